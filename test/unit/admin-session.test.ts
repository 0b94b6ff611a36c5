import { expect, it } from "vitest";
import { SESSION_SECONDS, checkCsrf, csrfToken, openSession, sealSession } from "../../runner/admin/session.ts";
import { deriveSigningKey } from "../../runner/vault/crypto.ts";

// Master keys (base64 of 32 bytes); the salt stands for one data-key version.
const SALT = new Uint8Array(16).fill(7);
const signingKey = (master: string) => deriveSigningKey(btoa(master), SALT);
const HASH = "a".repeat(64);
const NOW = Date.UTC(2026, 11, 1);

it("sealSession: the cookie opens to the token hash until it expires, 12 hours on", async () => {
  const key = await signingKey("0123456789abcdef0123456789abcdef");
  const cookie = await sealSession(key, HASH, NOW);
  expect(cookie).toMatch(/^\d+\.a{64}\.[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
  expect(await openSession(key, cookie, NOW)).toBe(HASH);
  expect(await openSession(key, cookie, NOW + SESSION_SECONDS * 1000 - 1000)).toBe(HASH);
  expect(await openSession(key, cookie, NOW + SESSION_SECONDS * 1000)).toBeNull();
});

it("openSession: an altered expiry, token hash or signature, an extra part or another key's cookie is refused", async () => {
  const key = await signingKey("0123456789abcdef0123456789abcdef");
  const [expires, hash, nonce, signature] = (await sealSession(key, HASH, NOW)).split(".") as [string, string, string, string];
  const altered = [
    [Number(expires) + 3600, hash, nonce, signature],
    [expires, "b".repeat(64), nonce, signature],
    // Its first character: the last one of 32 bytes in base64url carries two unused bits, so A and B there can decode alike.
    [expires, hash, nonce, `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`],
    [expires, hash, nonce, signature, "x"],
    [expires, hash, nonce],
    [expires, hash, nonce, "not base64!"],
  ];
  for (const parts of altered) expect(await openSession(key, parts.join("."), NOW), parts.join(".")).toBeNull();
  const otherKey = await signingKey("fedcba9876543210fedcba9876543210");
  expect(await openSession(otherKey, await sealSession(key, HASH, NOW), NOW)).toBeNull();
});

it("csrfToken: checks for its own session only, and is not a session signature", async () => {
  const key = await signingKey("0123456789abcdef0123456789abcdef");
  const mine = await sealSession(key, HASH, NOW);
  const theirs = await sealSession(key, HASH, NOW);
  expect(mine).not.toBe(theirs);
  const csrf = await csrfToken(key, mine);
  expect(await checkCsrf(key, mine, csrf)).toBe(true);
  expect(await checkCsrf(key, theirs, csrf)).toBe(false);
  expect(await checkCsrf(key, mine, undefined)).toBe(false);
  expect(await checkCsrf(key, mine, "")).toBe(false);
  // The CSRF token of a session body, put where the cookie's signature goes, does not open it.
  const body = mine.split(".").slice(0, 3).join(".");
  expect(await openSession(key, `${body}.${await csrfToken(key, body)}`, NOW)).toBeNull();
});
