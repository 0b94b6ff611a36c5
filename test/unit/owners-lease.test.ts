import { expect, it } from "vitest";
import { decode, encode } from "../../runner/owners/codec.ts";
import { fenceDeadline, renewEveryMs, staleFiles, takeoverRefusal } from "../../runner/owners/lease.ts";

const here = { host: "h1", seat: "slot-0" };

it("fenceDeadline: counted from the renewal's sending, a fifth of the lease short of its end", () => {
  expect(fenceDeadline(1000, 10)).toBe(9000);
  expect(fenceDeadline(0, 3)).toBe(2400);
  // Renewals come three times a lease: two may fail before the owner fences itself off.
  expect(renewEveryMs(10) * 2).toBeLessThan(fenceDeadline(0, 10));
});

it("takeoverRefusal: an object's files are taken over only in their own host and seat", () => {
  expect(takeoverRefusal({ ...here, live: false }, here)).toBeNull();
  expect(takeoverRefusal({ host: "h2", seat: "slot-0", live: false }, here)).toBe("its owner host h2 is gone and its data is not in the blob store yet");
  expect(takeoverRefusal({ host: "h1", seat: "slot-1", live: false }, here)).toBe(
    "its files are in slot-1 of this host, whose process does not serve it now (it is down, or its files there are missing or stale)",
  );
});

it("staleFiles: a seat serves its files only when it recorded a generation since the object came to it", () => {
  expect(staleFiles(4, 1)).toBeNull();
  expect(staleFiles(1, 1)).toBeNull();
  expect(staleFiles(null, 1)).toBe("its files are missing from this seat");
  expect(staleFiles(2, 5)).toBe("its files in this seat are from generation 2, older than generation 5");
});

it("codec: bytes cross as bytes, everything else as JSON", () => {
  const value = { method: "query", args: [[{ sql: "SELECT ?", params: [1, "a", null, new Uint8Array([0, 255])] }]] };
  expect(decode(encode(value))).toEqual(value);
  expect(decode(encode({ rows: [["$bytes"]], meta: { $bytes: 1 } }))).toEqual({ rows: [["$bytes"]], meta: { $bytes: 1 } });
});
