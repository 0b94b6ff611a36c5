import { expect, it } from "vitest";
import { concatBytes, fromHex, sha256Hex, toHex } from "../../runner/encoding.ts";

it("sha256Hex: the FIPS 180-2 test vectors, as lower-case hex", async () => {
  expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

it("sha256Hex: hashes the UTF-8 bytes of the text", async () => {
  expect(await sha256Hex("é")).toBe(toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([0xc3, 0xa9])))));
});

it("concatBytes: joins the chunks in order, empty ones included", () => {
  expect(concatBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)])).toEqual(Uint8Array.of(1, 2, 3));
  expect(concatBytes([])).toEqual(new Uint8Array(0));
});

it("concatBytes: copies a view's own bytes, not its whole buffer", () => {
  const view = Uint8Array.of(9, 4, 5, 9).subarray(1, 3);
  expect(concatBytes([view, view])).toEqual(Uint8Array.of(4, 5, 4, 5));
});

it("fromHex: reverses toHex", () => {
  const bytes = Uint8Array.of(0, 1, 0x7f, 0x80, 0xff);
  expect(toHex(bytes)).toBe("00017f80ff");
  expect(fromHex(toHex(bytes))).toEqual(bytes);
});
