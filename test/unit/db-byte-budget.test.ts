import { expect, it } from "vitest";
import { ByteBudget } from "../../runner/db/byte-budget.ts";

const MIB = 2 ** 20;
const MAX_WAIT_MS = 5_000;

it("ByteBudget: a tenant sends up to one second's budget at once without waiting", () => {
  const budget = new ByteBudget(16 * MIB, MAX_WAIT_MS);
  for (let i = 0; i < 16; i++) expect(budget.take("a", MIB, 0)).toBe(0);
});

it("ByteBudget: past it, each call waits until the rate has paid for the calls before it, in the order they came", () => {
  const budget = new ByteBudget(16 * MIB, MAX_WAIT_MS);
  expect(budget.take("a", 17 * MIB, 0)).toBe(0);
  expect(budget.take("a", MIB, 0)).toBe(62.5);
  expect(budget.take("a", 8 * MIB, 0)).toBe(125);
  expect(budget.take("a", MIB, 0)).toBe(625);
});

it("ByteBudget: a call larger than the bucket is never refused for its own size", () => {
  const budget = new ByteBudget(MIB, MAX_WAIT_MS);
  expect(budget.take("a", 25 * MIB, 0)).toBe(0);
  expect(budget.take("a", MIB, 0)).toBeNull();
  expect(budget.take("a", MIB, 20_000)).toBe(4_000);
});

it("ByteBudget: a call whose turn would come later than the longest wait takes nothing and is refused", () => {
  const budget = new ByteBudget(MIB, MAX_WAIT_MS);
  budget.take("a", 7 * MIB, 0); // 6 s in debt
  expect(budget.take("a", MIB, 0)).toBeNull();
  expect(budget.take("a", MIB, 0)).toBeNull();
  expect(budget.take("a", MIB, 1_000)).toBe(MAX_WAIT_MS);
});

it("ByteBudget: the bucket refills with time, up to one second's budget", () => {
  const budget = new ByteBudget(16 * MIB, MAX_WAIT_MS);
  budget.take("a", 32 * MIB, 0); // a second in debt
  expect(budget.take("a", MIB, 500)).toBe(500);
  expect(budget.take("a", 0, 60_000)).toBe(0);
  for (let i = 0; i < 16; i++) expect(budget.take("a", MIB, 60_000)).toBe(0);
  expect(budget.take("a", MIB, 60_000)).toBe(0); // the bucket is empty, not in debt
  expect(budget.take("a", MIB, 60_000)).toBe(62.5);
});

it("ByteBudget: one tenant's debt never slows another", () => {
  const budget = new ByteBudget(16 * MIB, MAX_WAIT_MS);
  budget.take("flooder", 1024 * MIB, 0);
  expect(budget.take("flooder", 1, 0)).toBeNull();
  expect(budget.take("neighbour", MIB, 0)).toBe(0);
});
