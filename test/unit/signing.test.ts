import { expect, it } from "vitest";
import { MAX_PRESIGN_SECONDS, type PresignClaims, signPresigned, verifyPresigned } from "../../runner/r2/presign.ts";
import { decodeCursor, encodeCursor } from "../../runner/cursor.ts";
import { deriveSigningKey } from "../../runner/vault/crypto.ts";
import { rejection } from "./thrown.ts";

const MASTER = btoa("0123456789abcdef0123456789abcdef");
const OTHER_MASTER = btoa("fedcba9876543210fedcba9876543210");
const VERSION_1 = new Uint8Array(16).fill(1);
const VERSION_2 = new Uint8Array(16).fill(2);
const NOW = 1_800_000_000;
const claims = (expires: number): PresignClaims => ({ bucketId: "7", tenant: "acme", key: "report.txt", method: "GET", expires });

it("verifyPresigned: a valid token within 7 days gives its claims", async () => {
  const key = await deriveSigningKey(MASTER, VERSION_1);
  const token = await signPresigned(key, claims(NOW + MAX_PRESIGN_SECONDS));
  expect(await verifyPresigned(key, token, NOW)).toEqual(claims(NOW + MAX_PRESIGN_SECONDS));
});

it("verifyPresigned: a token signed with the right key but expiring in 2100 is refused", async () => {
  const key = await deriveSigningKey(MASTER, VERSION_1);
  const token = await signPresigned(key, claims(Date.UTC(2100, 0, 1) / 1000));
  expect(await verifyPresigned(key, token, NOW)).toBe("expiry more than 7 days away");
  expect(await verifyPresigned(key, await signPresigned(key, claims(NOW + MAX_PRESIGN_SECONDS + 1)), NOW)).toBe("expiry more than 7 days away");
});

it("verifyPresigned: an expired token is refused", async () => {
  const key = await deriveSigningKey(MASTER, VERSION_1);
  expect(await verifyPresigned(key, await signPresigned(key, claims(NOW - 1)), NOW)).toBe("expired");
});

it("deriveSigningKey: each data-key version gives another key; a token of one fails under the other", async () => {
  const first = await deriveSigningKey(MASTER, VERSION_1);
  const second = await deriveSigningKey(MASTER, VERSION_2);
  const token = await signPresigned(first, claims(NOW + 60));
  expect(await signPresigned(second, claims(NOW + 60))).not.toBe(token);
  expect(await verifyPresigned(second, token, NOW)).toBe("invalid signature");
  const scope = { namespaceId: "1", prefix: "" };
  const cursor = await encodeCursor(first, scope, new TextEncoder().encode("k"));
  expect(await rejection(decodeCursor(second, scope, cursor))).toMatch(/Invalid cursor/);
});

it("deriveSigningKey: the same master key and version give the same key (every host agrees)", async () => {
  const token = await signPresigned(await deriveSigningKey(MASTER, VERSION_1), claims(NOW + 60));
  expect(await verifyPresigned(await deriveSigningKey(MASTER, VERSION_1), token, NOW)).toEqual(claims(NOW + 60));
  expect(await verifyPresigned(await deriveSigningKey(OTHER_MASTER, VERSION_1), token, NOW)).toBe("invalid signature");
});
