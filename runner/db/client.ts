import type { Env } from "../env.ts";
import type { Row, SqlParam, Statement } from "./database.ts";

export type { Row, SqlParam, Statement };

/** What callers use of the pool object; typed here because RPC typing cannot express `unknown` rows. */
export interface Db {
  query(text: string, params?: SqlParam[]): Promise<Row[]>;
  transaction(statements: Statement[]): Promise<Row[][]>;
}

/** The process-wide connection pool (see database.ts). A stub is cheap; make one per call site. */
export function database(env: Env): Db {
  return env.DATABASE.get(env.DATABASE.idFromName("pool")) as unknown as Db;
}
