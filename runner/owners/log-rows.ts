// The shape of a placed object's write log, as the placement layer ships, indexes and replays it
// (logs.ts, history.ts); what a row means beyond its seq, op and time is its kind's (D1:
// runner/d1/write-log.ts). Each transaction's rows end with a row that says when it committed.
// A segment may end inside a transaction (a large one is shipped in pieces); a takeover that
// restores only the shipped pieces of one starts the log again with an abort row, which voids them.

/** A row of a write log: seq, op, table, column, value, time (ms, on a transaction's last row). */
export type LogRow = [seq: number, op: string, table: string | null, column: string | null, value: number | string | null | Uint8Array, at: number | null];

/**
 * The ops of a transaction's last row: committed; committed while the log could not hold its
 * writes; a time-travel restore; the rows since the last end void (a takeover's, after a transaction
 * whose rows were not all shipped).
 */
export const END_OPS = { commit: "C", opaque: "O", restored: "R", aborted: "A" } as const;

/**
 * Where a restored object's log starts again: a takeover restores a position of the log (`seq`,
 * a commit's: the rows up to it were shipped); a time-travel restore appends its own row ("R")
 * to the log as it is (seq null).
 */
export interface LogMark {
  op: typeof END_OPS.commit | typeof END_OPS.restored | typeof END_OPS.aborted;
  seq: number | null;
  at: number;
}

/** The transactions' ends among the rows, in order: each one's seq and time. */
export function commitsOf(rows: LogRow[]): { seq: number; at: number }[] {
  const ends = new Set<string>(Object.values(END_OPS));
  return rows.filter((row) => ends.has(row[1])).map((row) => ({ seq: row[0], at: Number(row[5]) }));
}

/** The rows of whole transactions only: an aborted transaction's rows and a transaction not ended yet are left out. */
export function committedRows(rows: LogRow[]): LogRow[] {
  const ends = new Set<string>(Object.values(END_OPS));
  const kept: LogRow[] = [];
  let start = 0;
  for (const row of rows) {
    if (row[1] === END_OPS.aborted) kept.length = start;
    kept.push(row);
    if (ends.has(row[1])) start = kept.length;
  }
  return kept.slice(0, start);
}
