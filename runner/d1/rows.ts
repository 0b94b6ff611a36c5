// A statement's rows as D1 hands them out, shared by the shim (tenant code) and the admin API:
// each row an object by column name, a BLOB cell an array of byte values. Pure: the shim bundles it.
import type { D1StatementResult, D1Value } from "./contract.ts";

/** A result cell as D1 gives it: a BLOB as an array of byte values. */
export const cellOf = (value: D1Value): unknown => (value instanceof Uint8Array ? Array.from(value) : value);

export function rowObjects({ columns, rows }: Pick<D1StatementResult, "columns" | "rows">): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(row.map((value, i) => [columns[i], cellOf(value)])));
}
