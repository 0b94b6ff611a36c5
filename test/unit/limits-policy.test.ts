import { expect, it } from "vitest";
import { MAX_OPEN_CONNECTIONS, MAX_SERVICE_DEPTH, admitsIo, calleeDepth, release, takeSubrequest, tryOpen } from "../../runner/limits/policy.ts";

it("takeSubrequest: counts up to the limit, then refuses without counting further", () => {
  const budget = { used: 0 };
  for (let i = 0; i < 3; i++) expect(takeSubrequest(budget, 3)).toBe(true);
  expect(takeSubrequest(budget, 3)).toBe(false);
  expect(takeSubrequest(budget, 3)).toBe(false);
  expect(budget.used).toBe(3);
});

it("calleeDepth: one deeper, up to Cloudflare's 32; a call from depth 32 is refused", () => {
  expect(MAX_SERVICE_DEPTH).toBe(32);
  expect(calleeDepth(0)).toBe(1);
  expect(calleeDepth(31)).toBe(32);
  expect(calleeDepth(32)).toBeNull();
});

it("tryOpen/release: six connections open at once; a seventh opens only after one closes", () => {
  expect(MAX_OPEN_CONNECTIONS).toBe(6);
  const gate = { open: 0 };
  for (let i = 0; i < 6; i++) expect(tryOpen(gate)).toBe(true);
  expect(tryOpen(gate)).toBe(false);
  release(gate);
  expect(tryOpen(gate)).toBe(true);
  expect(gate.open).toBe(6);
});

it("admitsIo: always while running; after the response only within the grace", () => {
  expect(admitsIo(null, 30_000, 1e12)).toBe(true);
  expect(admitsIo(1_000, 30_000, 31_000)).toBe(true);
  expect(admitsIo(1_000, 30_000, 31_001)).toBe(false);
});
