import { expect, it } from "vitest";
import { LogBudget } from "../../runner/logs/budget.ts";

const MINUTE = 60_000;

it("LogBudget: entries fit until the minute's bytes pass the limit; the first one past it is reported once", () => {
  const budget = new LogBudget();
  expect(budget.take("acme", 600, 1000, 5 * MINUTE)).toBe("print");
  expect(budget.take("acme", 400, 1000, 5 * MINUTE + 1)).toBe("print");
  expect(budget.take("acme", 1, 1000, 5 * MINUTE + 2)).toBe("first drop");
  expect(budget.take("acme", 1, 1000, 5 * MINUTE + 3)).toBe("drop");
  expect(budget.take("other", 1000, 1000, 5 * MINUTE + 4)).toBe("print");
});

it("LogBudget: a new minute starts a new window; no limit prints everything", () => {
  const budget = new LogBudget();
  expect(budget.take("acme", 2000, 1000, 5 * MINUTE)).toBe("first drop");
  expect(budget.take("acme", 900, 1000, 6 * MINUTE)).toBe("print");
  expect(budget.take("free", 10 ** 9, null, 6 * MINUTE)).toBe("print");
});
