// SQL text that states the rows it returns. At run time a statement is its text and nothing more:
// no row is checked or converted on the way (the KV read and the dispatch lookups are hot), so a
// row type is a promise the statement's SELECT or RETURNING list keeps. Write it next to the SQL,
// as postgres.js delivers each column: bigint and numeric arrive as strings, timestamptz as Date,
// bytea as Uint8Array, jsonb as the value parsed (typed as what the runner stored there); the
// caller converts such a column once, where it reads the row.

export type SqlParam = string | number | bigint | boolean | null | Uint8Array | SqlParam[];
/** A row of a statement that states no row type: every column is unknown. */
export type Row = Record<string, unknown>;

declare const rowType: unique symbol;

/** SQL text whose rows have type `R`; a plain string is a `Sql` whose rows are `Row`. */
export type Sql<R = Row> = string & { readonly [rowType]?: R };

/** Declares the row type of a statement (`sql<{ id: string }>("SELECT id ...")`); returns the text unchanged. */
export function sql<R>(text: string): Sql<R> {
  return text;
}

export interface Statement<R = Row> {
  text: Sql<R>;
  params: SqlParam[];
  /** If the statement returns no row, roll the transaction back with this message. */
  requireRow?: string;
}

/** The rows of each statement of a transaction, in order (`Row` for plain-string statements). */
export type RowsOf<S extends readonly Statement<unknown>[]> = {
  -readonly [K in keyof S]: S[K] extends Statement<infer R> ? (unknown extends R ? Row : R)[] : never;
};

/** The rows of a transaction's last statement, typed: a tuple's `at(-1)` types as any of its elements. */
export function lastRows<R>(results: readonly [...unknown[], R[]]): R[] {
  return results[results.length - 1] as R[];
}
