import { expect, it } from "vitest";
import { decode, encode } from "../../runner/owners/codec.ts";
import { fenceDeadline, renewEveryMs, snapshotName, staleCopy, staleFiles, takeoverFrom } from "../../runner/owners/lease.ts";

const here = { host: "h1", seat: "slot-0" };

it("fenceDeadline: counted from the renewal's sending, a fifth of the lease short of its end", () => {
  expect(fenceDeadline(1000, 10)).toBe(9000);
  expect(fenceDeadline(0, 3)).toBe(2400);
  // Renewals come three times a lease: two may fail before the owner fences itself off.
  expect(renewEveryMs(10) * 2).toBeLessThan(fenceDeadline(0, 10));
});

it("takeoverFrom: the seat's own files in their seat; another host restores the newest snapshot, after one lease more unless handed over", () => {
  const lapsed = (host: string, seat: string, lapsedSeconds: number, handedOver = false) => ({ host, seat, live: false, lapsedSeconds, handedOver });
  expect(takeoverFrom(lapsed("h1", "slot-0", 0), here, 10)).toBe("seat");
  expect(takeoverFrom(lapsed("h1", "slot-1", 60), here, 10)).toEqual({
    refused: "its files are in slot-1 of this host, whose process does not serve it now (it is down, or its files there are missing or stale)",
  });
  expect(takeoverFrom(lapsed("h2", "slot-0", 9.9), here, 10)).toEqual({
    refused: "its owner host h2 does not renew its lease; another host restores its newest snapshot once that lease has been over for 10 s",
  });
  expect(takeoverFrom(lapsed("h2", "slot-0", 10), here, 10)).toBe("snapshot");
  // Let go of gracefully, its final copy published: nothing to wait for.
  expect(takeoverFrom(lapsed("h2", "slot-0", 0, true), here, 10)).toBe("snapshot");
});

it("snapshotName: every copy has a name of its own, which says its object and generation", () => {
  expect(snapshotName("d1", "a/b", 7, "f00d")).toBe("snapshot-d1-a%2Fb-g7-f00d");
  expect(snapshotName("d1", "x", 7, "1")).not.toBe(snapshotName("d1", "x", 7, "2"));
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

it("staleCopy: says since when copies failed and why, so the refusal names what to fix", () => {
  const since = new Date("2026-12-01T05:00:00.000Z");
  expect(staleCopy("its owner was on another host", since, "virtual table docs")).toBe(
    "its owner was on another host, and its newest snapshot is stale: its owner could not take one since 2026-12-01T05:00:00.000Z (virtual table docs)",
  );
  expect(staleCopy("its files are missing from this seat", since, null)).toBe(
    "its files are missing from this seat, and its newest snapshot is stale: its owner could not take one since 2026-12-01T05:00:00.000Z",
  );
});
