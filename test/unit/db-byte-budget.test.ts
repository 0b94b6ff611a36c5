import { expect, it } from "vitest";
import { ByteBudget } from "../../runner/db/byte-budget.ts";

const MIB = 2 ** 20;

it("ByteBudget: a tenant sends up to one second's budget at once without waiting", () => {
  const budget = new ByteBudget(16 * MIB);
  for (let i = 0; i < 16; i++) expect(budget.take("a", MIB, 0)).toBe(0);
});

it("ByteBudget: past the burst, each call waits until the rate has paid for it, in the order they came", () => {
  const budget = new ByteBudget(16 * MIB);
  budget.take("a", 16 * MIB, 0);
  expect(budget.take("a", MIB, 0)).toBe(62.5);
  expect(budget.take("a", MIB, 0)).toBe(125);
  expect(budget.take("a", 8 * MIB, 0)).toBe(625);
});

it("ByteBudget: a call larger than the burst is never refused, only delayed", () => {
  const budget = new ByteBudget(MIB);
  expect(budget.take("a", 25 * MIB, 0)).toBe(24_000);
});

it("ByteBudget: the bucket refills with time, up to one second's budget", () => {
  const budget = new ByteBudget(16 * MIB);
  budget.take("a", 32 * MIB, 0); // a second in debt
  expect(budget.take("a", MIB, 1000)).toBe(62.5);
  expect(budget.take("a", 0, 60_000)).toBe(0);
  for (let i = 0; i < 16; i++) expect(budget.take("a", MIB, 60_000)).toBe(0);
  expect(budget.take("a", MIB, 60_000)).toBeGreaterThan(0);
});

it("ByteBudget: one tenant's debt never slows another", () => {
  const budget = new ByteBudget(16 * MIB);
  budget.take("flooder", 1024 * MIB, 0);
  expect(budget.take("flooder", 1, 0)).toBeGreaterThan(60_000);
  expect(budget.take("neighbour", MIB, 0)).toBe(0);
});
