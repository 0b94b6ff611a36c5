import { expect, it } from "vitest";
import { compareBytes, prefixEnd, successor } from "../../runner/key-range.ts";

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);
const sign = (n: number) => Math.sign(n);

it("prefixEnd: increments the last byte", () => {
  expect(prefixEnd(utf8("a"))).toEqual(utf8("b"));
  expect(prefixEnd(utf8("user/"))).toEqual(utf8("user0"));
  expect(prefixEnd(bytes(0x00))).toEqual(bytes(0x01));
});

it("prefixEnd: drops trailing 0xff bytes and increments the byte before them", () => {
  expect(prefixEnd(bytes(0x61, 0xff))).toEqual(bytes(0x62));
  expect(prefixEnd(bytes(0x61, 0xfe, 0xff, 0xff))).toEqual(bytes(0x61, 0xff));
});

it("prefixEnd: an empty or all-0xff prefix ends at 0xff, above every UTF-8 key", () => {
  expect(prefixEnd(bytes())).toEqual(bytes(0xff));
  expect(prefixEnd(bytes(0xff))).toEqual(bytes(0xff));
  expect(prefixEnd(bytes(0xff, 0xff))).toEqual(bytes(0xff));
});

it("prefixEnd: the empty prefix's end is above the greatest KV (512-byte) and R2 (1024-byte) keys", () => {
  for (const maxKeyBytes of [512, 1024]) {
    const greatest = utf8("\u{10ffff}".repeat(maxKeyBytes / 4)); // F4 8F BF BF: the greatest UTF-8 character
    expect(greatest.byteLength).toBe(maxKeyBytes);
    expect(sign(compareBytes(greatest, prefixEnd(bytes())))).toBe(-1);
  }
});

it("prefixEnd: does not modify the prefix it is given", () => {
  const prefix = bytes(0x61, 0xff);
  prefixEnd(prefix);
  expect(prefix).toEqual(bytes(0x61, 0xff));
});

it("prefixEnd: every key with the prefix sorts before it, the next key after it does not", () => {
  const prefix = utf8("ab");
  const end = prefixEnd(prefix);
  for (const key of [utf8("ab"), utf8("ab\u0000"), utf8("abz"), utf8("ab😀"), new Uint8Array([0x61, 0x62, ...new Array(510).fill(0xff)])]) {
    expect(sign(compareBytes(key, end))).toBe(-1);
  }
  expect(sign(compareBytes(utf8("ac"), end))).toBe(0);
  expect(sign(compareBytes(utf8("ac\u0000"), end))).toBe(1);
});

it("successor: appends a zero byte", () => {
  expect(successor(utf8("a"))).toEqual(bytes(0x61, 0x00));
  expect(successor(bytes())).toEqual(bytes(0x00));
  expect(successor(bytes(0xff))).toEqual(bytes(0xff, 0x00));
});

it("successor: sorts after the key and before every longer key with it as prefix", () => {
  const key = utf8("k");
  const next = successor(key);
  expect(sign(compareBytes(key, next))).toBe(-1);
  expect(sign(compareBytes(next, utf8("k\u0001")))).toBe(-1);
  expect(sign(compareBytes(next, utf8("l")))).toBe(-1);
});

it("successor: does not modify the key it is given", () => {
  const key = utf8("k");
  successor(key);
  expect(key).toEqual(utf8("k"));
});

it("compareBytes: equal arrays compare as 0", () => {
  expect(compareBytes(bytes(), bytes())).toBe(0);
  expect(compareBytes(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(0);
});

it("compareBytes: the first differing byte decides", () => {
  expect(sign(compareBytes(bytes(1, 2), bytes(1, 3)))).toBe(-1);
  expect(sign(compareBytes(bytes(2), bytes(1, 255)))).toBe(1);
  expect(sign(compareBytes(bytes(0x7f), bytes(0x80)))).toBe(-1);
});

it("compareBytes: a prefix sorts before the longer array", () => {
  expect(sign(compareBytes(bytes(1), bytes(1, 0)))).toBe(-1);
  expect(sign(compareBytes(bytes(1, 0), bytes(1)))).toBe(1);
  expect(sign(compareBytes(bytes(), bytes(0)))).toBe(-1);
});

it("compareBytes: orders UTF-8 bytes, which differs from JavaScript string order", () => {
  // U+FFFF is EF BF BF in UTF-8; U+1F600 is F0 9F 98 80 (but D83D DE00 in UTF-16, below FFFF).
  expect("😀" < "\uffff").toBe(true);
  expect(sign(compareBytes(utf8("😀"), utf8("\uffff")))).toBe(1);
});
