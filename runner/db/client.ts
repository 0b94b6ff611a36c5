import type { Env } from "../env.ts";
import type { Row, RowsOf, Sql, SqlParam, Statement } from "./statement.ts";

export { lastRows, sql } from "./statement.ts";
export type { Row, Sql, SqlParam, Statement };

/**
 * What callers use of the pool object, typed by each statement's rows (statement.ts). Declared
 * here because the stub's RPC type can express neither `unknown` columns nor a row type chosen
 * by the caller.
 */
export interface Db {
  query<R = Row>(text: Sql<R>, params?: SqlParam[]): Promise<R[]>;
  /** Runs the statements in one transaction; all commit or none does. */
  transaction<const S extends readonly Statement<unknown>[]>(statements: S): Promise<RowsOf<S>>;
}

/** The process-wide connection pool (see database.ts). A stub is cheap; make one per call site. */
export function database(env: Env): Db {
  // The stub's own type has no generic methods (see Db); Database answers exactly these calls.
  return env.DATABASE.get(env.DATABASE.idFromName("pool")) as unknown as Db;
}
