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

/** What the Database object answers: Db's calls, each with the tenant it is for. */
interface TenantDb {
  query(text: string, params: SqlParam[], tenant: string): Promise<Row[]>;
  transaction(statements: readonly Statement<unknown>[], tenant: string): Promise<Row[][]>;
}

/**
 * The process-wide connection pool (see database.ts). A stub is cheap; make one per call site.
 * Calls made for a tenant (a binding's, with the tenant from its props) name it, so that tenant
 * takes turns with others for the connections; calls without one take the platform's turn.
 */
export function database(env: Env, tenant?: string): Db {
  // The stub's own type has no generic methods (see Db); Database answers exactly these calls.
  const stub = env.DATABASE.get(env.DATABASE.idFromName("pool"));
  if (tenant === undefined) return stub as unknown as Db;
  const calls = stub as unknown as TenantDb;
  return {
    query: (text, params = []) => calls.query(text, params, tenant),
    transaction: (statements) => calls.transaction(statements, tenant),
  } as Db;
}
