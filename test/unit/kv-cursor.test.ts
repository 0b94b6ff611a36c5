import { expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../runner/cursor.ts";
import { BindingError } from "../../runner/errors.ts";
import { deriveSigningKey } from "../../runner/vault/crypto.ts";
import { rejection } from "./thrown.ts";

// Master keys (base64 of 32 bytes); the salt stands for one data-key version.
const SECRET = btoa("0123456789abcdef0123456789abcdef");
const OTHER_SECRET = btoa("fedcba9876543210fedcba9876543210");
const SALT = new Uint8Array(16).fill(7);
const importCursorKey = (master: string) => deriveSigningKey(master, SALT);
const INVALID = "BindingError: KV GET failed: 400 Invalid cursor. Pass the cursor from the previous list() result unchanged.";
const utf8 = (text: string) => new TextEncoder().encode(text);
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

const scope = { namespaceId: "ns-1", prefix: "user/" };

it("encodeCursor: is '<key>.<signature>' in unpadded base64url", async () => {
  const key = await importCursorKey(SECRET);
  const cursor = await encodeCursor(key, scope, utf8("user/42"));
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  expect(cursor.split(".")[0]).toBe(base64url(utf8("user/42")));
});

it("encodeCursor: the same inputs give the same cursor", async () => {
  const key = await importCursorKey(SECRET);
  expect(await encodeCursor(key, scope, utf8("user/42"))).toBe(await encodeCursor(key, scope, utf8("user/42")));
});

it("decodeCursor: returns the last key of an encoded cursor", async () => {
  const key = await importCursorKey(SECRET);
  const lastKey = new Uint8Array([0xfb, 0xff, 0xbf, 0x00]);
  const cursor = await encodeCursor(key, scope, lastKey);
  expect(cursor.split(".")[0]).toBe("-_-_AA");
  expect(await decodeCursor(key, scope, cursor)).toEqual(lastKey);
  expect(await decodeCursor(key, scope, await encodeCursor(key, scope, utf8("user/é😀")))).toEqual(utf8("user/é😀"));
});

it("decodeCursor: a cursor whose key part was replaced is refused", async () => {
  const key = await importCursorKey(SECRET);
  const [, signature] = (await encodeCursor(key, scope, utf8("user/1"))).split(".");
  expect(await rejection(decodeCursor(key, scope, `${base64url(utf8("user/9"))}.${signature}`))).toBe(INVALID);
});

it("decodeCursor: a cursor whose signature was altered is refused", async () => {
  const key = await importCursorKey(SECRET);
  const [keyPart, signature = ""] = (await encodeCursor(key, scope, utf8("user/1"))).split(".");
  const altered = (signature.startsWith("A") ? "B" : "A") + signature.slice(1);
  expect(await rejection(decodeCursor(key, scope, `${keyPart}.${altered}`))).toBe(INVALID);
  expect(await rejection(decodeCursor(key, scope, `${keyPart}.${signature.slice(0, -2)}`))).toBe(INVALID);
});

it("decodeCursor: a cursor from another namespace is refused", async () => {
  const key = await importCursorKey(SECRET);
  const cursor = await encodeCursor(key, { namespaceId: "ns-2", prefix: "user/" }, utf8("user/1"));
  expect(await rejection(decodeCursor(key, scope, cursor))).toBe(INVALID);
});

it("decodeCursor: a cursor from another prefix is refused", async () => {
  const key = await importCursorKey(SECRET);
  const cursor = await encodeCursor(key, { namespaceId: "ns-1", prefix: "user" }, utf8("user/1"));
  expect(await rejection(decodeCursor(key, scope, cursor))).toBe(INVALID);
  expect(await rejection(decodeCursor(key, { namespaceId: "ns-1", prefix: "" }, cursor))).toBe(INVALID);
});

it("decodeCursor: a cursor signed with another secret is refused", async () => {
  const cursor = await encodeCursor(await importCursorKey(OTHER_SECRET), scope, utf8("user/1"));
  expect(await rejection(decodeCursor(await importCursorKey(SECRET), scope, cursor))).toBe(INVALID);
});

it("decodeCursor: garbage strings are refused with the same message", async () => {
  const key = await importCursorKey(SECRET);
  for (const cursor of ["", ".", "abc", "not a cursor", "a.b", "!!!.???", "dXNlcg==.AAAA", "a.AAAAA", "dXNlcg.+/+/"]) {
    expect(await rejection(decodeCursor(key, scope, cursor))).toBe(INVALID);
  }
});

it("decodeCursor: extra dots are refused", async () => {
  const key = await importCursorKey(SECRET);
  const cursor = await encodeCursor(key, scope, utf8("user/1"));
  expect(await rejection(decodeCursor(key, scope, `${cursor}.`))).toBe(INVALID);
  expect(await rejection(decodeCursor(key, scope, `${cursor}.${cursor}`))).toBe(INVALID);
  expect(await rejection(decodeCursor(key, scope, `.${cursor}`))).toBe(INVALID);
});

it("decodeCursor: refuses with a 400 BindingError, named Error as tenants see it", async () => {
  const error = await decodeCursor(await importCursorKey(SECRET), scope, "garbage").catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(BindingError);
  expect((error as BindingError).status).toBe(400);
  expect((error as BindingError).name).toBe("Error");
});
