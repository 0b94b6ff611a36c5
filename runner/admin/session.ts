// Dashboard sessions. Logging in trades a token for a cookie that names the token's SHA-256 and an
// expiry, signed with the platform's signing key (vault/signing.ts): every host on the database
// accepts it, `rotate-key` ends every session, and revoking the token ends its sessions (each
// request still looks the hash up). The token itself is never stored in the browser.
// Every request made with the cookie needs the session's CSRF token in a header: derived from the
// cookie with the same key, handed to the page's script by the login answer only. A browser sends
// the cookie to every port of the host (cookies ignore ports), so a tenant's worker served on the
// same host would receive it; without the token it opens nothing.
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { AdminEnv } from "./auth.ts";
import { fromBase64Url, randomHex, toBase64Url } from "../encoding.ts";
import { signingKey } from "../vault/signing.ts";

export const SESSION_COOKIE = "outpost_session";
export const CSRF_HEADER = "x-csrf-token";
export const SESSION_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

/** The cookie value of a new session for the token whose SHA-256 is `tokenSha256`. */
export async function sealSession(key: CryptoKey, tokenSha256: string, nowMs: number): Promise<string> {
  const body = `${Math.floor(nowMs / 1000) + SESSION_SECONDS}.${tokenSha256}.${randomHex()}`;
  return `${body}.${await sign(key, "session", body)}`;
}

/** The token hash a session cookie names, or null when it was altered or has expired. */
export async function openSession(key: CryptoKey, cookie: string, nowMs: number): Promise<string | null> {
  const [expires, tokenSha256, nonce, signature, extra] = cookie.split(".");
  if (extra !== undefined || signature === undefined || !(Number(expires) * 1000 > nowMs)) return null;
  return (await verify(key, "session", `${expires}.${tokenSha256}.${nonce}`, signature)) ? (tokenSha256 ?? null) : null;
}

export function csrfToken(key: CryptoKey, cookie: string): Promise<string> {
  return sign(key, "csrf", cookie);
}

/** Constant-time: the HMAC is verified, not compared as text. */
export function checkCsrf(key: CryptoKey, cookie: string, presented: string | undefined): Promise<boolean> {
  return presented === undefined ? Promise.resolve(false) : verify(key, "csrf", cookie, presented);
}

/** Sets the session cookie for the token whose hash is `tokenSha256`; returns its CSRF token. */
export async function startSession(c: Context<AdminEnv>, tokenSha256: string): Promise<string> {
  const key = await signingKey(c.env);
  const cookie = await sealSession(key, tokenSha256, Date.now());
  // Not `Secure`: the admin socket speaks plain HTTP (on loopback unless the operator binds it elsewhere).
  setCookie(c, SESSION_COOKIE, cookie, { path: "/", httpOnly: true, sameSite: "Strict", maxAge: SESSION_SECONDS });
  return csrfToken(key, cookie);
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** The session cookie sent, if any, with the token hash it names (null: altered or expired). */
export async function sessionOf(c: Context<AdminEnv>): Promise<{ cookie: string; key: CryptoKey; tokenSha256: string | null } | null> {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie === undefined) return null;
  const key = await signingKey(c.env);
  return { cookie, key, tokenSha256: await openSession(key, cookie, Date.now()) };
}

// The purpose is signed too, so a CSRF token is never a valid cookie signature, nor the reverse,
// and neither is a list cursor or a presigned URL made with the same key.
async function sign(key: CryptoKey, purpose: string, text: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(`outpost ${purpose}\n${text}`));
  return toBase64Url(new Uint8Array(signature));
}

async function verify(key: CryptoKey, purpose: string, text: string, signature: string): Promise<boolean> {
  const bytes = fromBase64Url(signature);
  return bytes !== null && crypto.subtle.verify("HMAC", key, bytes, encoder.encode(`outpost ${purpose}\n${text}`));
}
