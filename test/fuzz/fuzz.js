// Shared by the fuzz tier: seeds, the per-case deadline, arbitraries for hostile input, and the
// shape every admin error must have.
import fc from "fast-check";
import { expect } from "vitest";

/**
 * Two fixed seeds and one random one per run, or only FUZZ_SEED to replay a failure. fast-check
 * prints the seed and the shrunk counterexample of a failing property.
 */
export function fuzzSeeds() {
  if (process.env.FUZZ_SEED) return [Number(process.env.FUZZ_SEED)];
  const random = Math.floor(Math.random() * 2 ** 31);
  console.log(`fuzz seed: ${random} (replay with FUZZ_SEED=${random})`);
  return [1, 2, random];
}

/** Runs `property` `numRuns` times under each seed. */
export async function check(seeds, property, numRuns) {
  for (const seed of seeds) await fc.assert(property, { seed, numRuns });
}

/** A loopback fetch that fails (instead of hanging) after `ms`. */
export function fetchWithin(url, init = {}, ms = 15_000) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

/** `promise`, or a failure after `ms`: a hang fails the case instead of the whole run. */
export function within(promise, ms) {
  let timer;
  const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Strings Postgres, UTF-8 and object keys have trouble with, mixed with ordinary ones. */
const SPECIAL_STRINGS = [
  "",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00",
  "\ud83d\ude00",
  "__proto__",
  "constructor",
  "prototype",
  ".",
  "..",
  "%00",
  "é",
  "a".repeat(600),
];

export const nastyString = fc.oneof(
  fc.constantFrom(...SPECIAL_STRINGS),
  fc.string({ unit: "binary", maxLength: 12 }),
  // Any UTF-16 code units: lone surrogates too.
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((units) => String.fromCharCode(...units)),
  fc.string({ maxLength: 12 }),
);

const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Text Postgres and UTF-8 keep as it is: no NUL, no lone surrogate. */
export const storableString = nastyString.filter((text) => !UNSTORABLE.test(text));

/** Whether a key or string anywhere inside a JSON value has a NUL or a lone surrogate. */
export function hasUnstorableText(value) {
  if (typeof value === "string") return UNSTORABLE.test(value);
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(([key, item]) => UNSTORABLE.test(key) || hasUnstorableText(item));
}

export const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e20, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER),
);

/** Any JSON value built from `string`: nested, with prototype keys among the keys. */
export const jsonOf = (string) =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      string,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(1e308, -1e308, 2 ** 63, true, false, null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(string, fc.constantFrom("__proto__", "constructor")), tie("value"), { maxKeys: 4 }),
    ),
  })).value;

export const nastyJson = jsonOf(nastyString);

/** Base64 of bytes (Node side of the fuzz worker's tagged values). */
export const bytesTag = (bytes) => ({ $: "bytes", b64: Buffer.from(bytes).toString("base64") });

/** What an admin refusal must look like: exactly `{ error: { code: "ERR_…", message } }`. */
export function expectAdminError(body) {
  expect(Object.keys(body ?? {})).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
  expect(body.error.code).toMatch(/^ERR_[A-Z_]+$/);
  expect(typeof body.error.message).toBe("string");
}
