import { expect, it } from "vitest";
import { isStorableText, isWellFormedText, unstorablePath } from "../../runner/storable-text.ts";
import { toInt32 } from "../../runner/webidl.ts";
import { checkMetadataText, checkRange, resolveRange } from "../../runner/r2/validate.ts";
import { secretProblem } from "../../runner/vault/validate.ts";
import { thrown } from "./thrown.ts";

it("isStorableText: NUL and lone surrogates are refused; pairs, emoji and other controls are fine", () => {
  expect(["", "plain", "é", "😀", "\ud83d\ude00", "\u0001\u007f", "\uffff"].map(isStorableText)).toEqual([true, true, true, true, true, true, true]);
  expect(["\u0000", "a\u0000b", "\ud800", "\udc00", "a\ud83d", "\ude00b", "\udc00\ud800"].map(isStorableText)).toEqual([
    false,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
});

it("isWellFormedText: only lone surrogates are refused (NUL is Unicode)", () => {
  expect(isWellFormedText("a\u0000b")).toBe(true);
  expect(isWellFormedText("😀")).toBe(true);
  expect(isWellFormedText("a\ud800b")).toBe(false);
});

it("unstorablePath: the path of the first bad key or string, at any depth; null when all is storable", () => {
  expect(unstorablePath({ a: [1, "x", { b: null }], c: true })).toBeNull();
  expect(unstorablePath("\u0000")).toEqual([]);
  expect(unstorablePath({ a: [1, { b: "x\ud800" }] })).toEqual(["a", 1, "b"]);
  expect(unstorablePath({ ok: 1, "k\u0000": 2 })).toEqual(["k\u0000"]);
  expect(unstorablePath([[["\udc00"]]])).toEqual([0, 0, 0]);
});

it("toInt32: as workerd converts an int argument: NaN and infinities are 0, fractions truncate, beyond 32 bits is a TypeError", () => {
  expect([toInt32(Infinity), toInt32(-Infinity), toInt32(NaN), toInt32(2147483647), toInt32(-2147483648), toInt32(-1.9)]).toEqual([
    0, 0, 0, 2147483647, -2147483648, -1,
  ]);
  for (const value of [2 ** 31, -(2 ** 31) - 1, 1e12, Number.MAX_VALUE]) {
    expect(thrown(() => toInt32(value))).toBe("TypeError: Value out of range. Must be between -2147483648 and 2147483647 (inclusive).");
  }
});

it("checkRange: workerd's RangeErrors for negative, NaN and fractional numbers", () => {
  expect(thrown(() => checkRange({ suffix: -1 }))).toBe("RangeError: Invalid suffix. Suffix (-1) must be greater than or equal to 0.");
  expect(thrown(() => checkRange({ suffix: NaN }))).toBe("RangeError: Invalid suffix. Suffix (nan) must be greater than or equal to 0.");
  expect(thrown(() => checkRange({ offset: -1 }))).toBe("RangeError: Invalid range. Starting offset (-1) must be greater than or equal to 0.");
  expect(thrown(() => checkRange({ offset: -Infinity }))).toBe("RangeError: Invalid range. Starting offset (-inf) must be greater than or equal to 0.");
  expect(thrown(() => checkRange({ length: NaN }))).toBe("RangeError: Invalid range. Length (nan) must be greater than or equal to 0.");
  expect(thrown(() => checkRange({ offset: 1.5, length: 2 }))).toBe("RangeError: Invalid range. Starting offset (1.5) must be an integer, not floating point.");
  expect(thrown(() => checkRange({ offset: 0, length: 2, suffix: Infinity }))).toBe("nothing thrown");
});

it("resolveRange: a suffix of 0 is not satisfiable, a negative one never reaches the arithmetic", () => {
  expect(thrown(() => resolveRange({ suffix: 0 }, 10))).toBe("R2Error: get: The requested range is not satisfiable (10039)");
  expect(thrown(() => resolveRange({ suffix: -1 }, 10))).toBe("RangeError: Invalid suffix. Suffix (-1) must be greater than or equal to 0.");
  expect(resolveRange({ suffix: 4 }, 10)).toEqual({ offset: 6, length: 4 });
});

it("checkMetadataText: a NUL or lone surrogate in a metadata name or value is a TypeError naming it", () => {
  expect(thrown(() => checkMetadataText("put", { a: "ok", b: "😀" }))).toBe("nothing thrown");
  expect(thrown(() => checkMetadataText("put", { a: "x\u0000" }))).toBe(
    'TypeError: put: Metadata names and values must not contain NUL characters or unpaired UTF-16 surrogates ("a").',
  );
  expect(thrown(() => checkMetadataText("createMultipartUpload", { "\ud800": "x" }))).toMatch(/^TypeError: createMultipartUpload: Metadata names/);
});

it("secretProblem: a value with a lone surrogate is refused (it could not come back unchanged); NUL is kept", () => {
  expect(secretProblem("s", "a\ud800b")).toBe("Secret values must be well-formed Unicode (no unpaired UTF-16 surrogates).");
  expect(secretProblem("s", "a\u0000b")).toBeNull();
});
