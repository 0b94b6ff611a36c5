import { expect, it } from "vitest";
import "../../shims/index.ts";
import { MAX_PBKDF2_ITERATIONS } from "../../shims/crypto-limits.ts";
import { rejection } from "./thrown.ts";

const password = () => crypto.subtle.importKey("raw", new TextEncoder().encode("hunter2"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
const pbkdf2 = (iterations: unknown) => ({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(16), iterations }) as SubtleCryptoDeriveKeyAlgorithm;
const TOO_MANY = "DOMException: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 30000000).";

it("pbkdf2 deriveBits: 100,000 iterations, Cloudflare's limit, derive the same bits as before the guard", async () => {
  expect(MAX_PBKDF2_ITERATIONS).toBe(100_000);
  const bits = new Uint8Array(await crypto.subtle.deriveBits(pbkdf2(100_000), await password(), 256));
  expect(bits).toHaveLength(32);
  const again = new Uint8Array(await crypto.subtle.deriveBits(pbkdf2(100_000), await password(), 256));
  expect(again).toEqual(bits);
});

it("pbkdf2 deriveBits: more than 100,000 iterations rejects with Cloudflare's NotSupportedError", async () => {
  expect(await rejection(crypto.subtle.deriveBits(pbkdf2(30_000_000), await password(), 256))).toBe(TOO_MANY);
  const error = await crypto.subtle.deriveBits(pbkdf2(100_001), await password(), 256).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DOMException);
  expect((error as DOMException).name).toBe("NotSupportedError");
});

it("pbkdf2 deriveKey: more than 100,000 iterations rejects the same way", async () => {
  const derived = { name: "AES-GCM", length: 256 };
  expect(await rejection(crypto.subtle.deriveKey(pbkdf2(30_000_000), await password(), derived, false, ["encrypt"]))).toBe(TOO_MANY);
  const key = await crypto.subtle.deriveKey(pbkdf2(1_000), await password(), derived, false, ["encrypt"]);
  expect(key.algorithm).toEqual(derived);
});

it("pbkdf2: the name is matched in any case, and the prototype's own method is guarded", async () => {
  const algorithm = { ...pbkdf2(30_000_000), name: "pbkdf2" };
  expect(await rejection(SubtleCrypto.prototype.deriveBits.call(crypto.subtle, algorithm, await password(), 256))).toBe(TOO_MANY);
});

it("pbkdf2: a count given as a string or an object is judged by the number workerd would read", async () => {
  expect(await rejection(crypto.subtle.deriveBits(pbkdf2("30000000"), await password(), 256))).toBe(TOO_MANY);
  expect(await rejection(crypto.subtle.deriveBits(pbkdf2({ valueOf: () => 30_000_000 }), await password(), 256))).toBe(TOO_MANY);
});

it("pbkdf2: a getter that shows a small count to the guard and a large one afterwards is read once", async () => {
  let reads = 0;
  const algorithm = {
    ...pbkdf2(undefined),
    get iterations() {
      reads += 1;
      return reads === 1 ? 1_000 : 30_000_000;
    },
  };
  const bits = new Uint8Array(await crypto.subtle.deriveBits(algorithm, await password(), 256));
  expect(reads).toBe(1);
  expect(bits).toEqual(new Uint8Array(await crypto.subtle.deriveBits(pbkdf2(1_000), await password(), 256)));
});

it("pbkdf2: a name that reads PBKDF2 only after the guard looked is pinned to what the guard saw", async () => {
  let reads = 0;
  const algorithm = {
    ...pbkdf2(30_000_000),
    get name() {
      reads += 1;
      return reads === 1 ? "HKDF" : "PBKDF2";
    },
  };
  await expect(crypto.subtle.deriveBits(algorithm, await password(), 256)).rejects.toThrow();
  expect(reads).toBe(1);
});

it("pbkdf2: a name whose toString answers HKDF first and PBKDF2 afterwards is converted once", async () => {
  let calls = 0;
  const name = {
    toString() {
      calls += 1;
      return calls === 1 ? "PBKDF2" : "HKDF";
    },
  };
  expect(await rejection(crypto.subtle.deriveBits({ ...pbkdf2(30_000_000), name } as never, await password(), 256))).toBe(TOO_MANY);
  calls = 0;
  const sneaky = {
    toString() {
      calls += 1;
      return calls === 1 ? "HKDF" : "PBKDF2";
    },
  };
  await expect(crypto.subtle.deriveBits({ ...pbkdf2(30_000_000), name: sneaky } as never, await password(), 256)).rejects.toThrow();
  expect(calls).toBe(1);
});

it("pbkdf2: parameters carried by a function instead of a plain object are checked too", async () => {
  // A function's own `name` is its name: this one's reads PBKDF2.
  const algorithm = Object.assign(function PBKDF2() {}, { hash: "SHA-256", salt: new Uint8Array(16), iterations: 30_000_000 });
  expect(await rejection(crypto.subtle.deriveBits(algorithm as never, await password(), 256))).toBe(TOO_MANY);
});

it("pbkdf2: other algorithms pass through untouched", async () => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(32), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(8), info: new Uint8Array(0) }, key, 128);
  expect(bits.byteLength).toBe(16);
});
