import { expect, it } from "vitest";
import { type LogRow, commitsOf, committedRows } from "../../runner/owners/log-rows.ts";

const row = (seq: number, op: string, at: number | null = null): LogRow => [
  seq,
  op,
  op === "I" ? "t" : null,
  op === "n" ? "x" : null,
  op === "n" ? seq : null,
  at,
];

it("committedRows: a transaction not ended yet (the tail of what was shipped) is left out", () => {
  const rows = [row(1, "I"), row(2, "n"), row(3, "C", 100), row(4, "I"), row(5, "n")];
  expect(committedRows(rows)).toEqual(rows.slice(0, 3));
});

it("committedRows: an abort row voids the rows since the last end, and ends nothing else", () => {
  const rows = [row(1, "I"), row(2, "n"), row(3, "C", 100), row(4, "I"), row(5, "n"), row(6, "A", 200), row(7, "I"), row(8, "n"), row(9, "C", 300)];
  expect(committedRows(rows)).toEqual([row(1, "I"), row(2, "n"), row(3, "C", 100), row(6, "A", 200), row(7, "I"), row(8, "n"), row(9, "C", 300)]);
  expect(commitsOf(committedRows(rows))).toEqual([
    { seq: 3, at: 100 },
    { seq: 6, at: 200 },
    { seq: 9, at: 300 },
  ]);
});

it("committedRows: nothing ended is nothing", () => {
  expect(committedRows([row(1, "I"), row(2, "n")])).toEqual([]);
  expect(committedRows([])).toEqual([]);
});
