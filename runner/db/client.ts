import type { Env } from "../env.ts";
import type { Row, SqlParam, Statement } from "./database.ts";

export type { Row, SqlParam, Statement };

/** The process-wide connection pool (see database.ts). A stub is cheap; make one per call site. */
export function database(env: Env) {
  return env.DATABASE.get(env.DATABASE.idFromName("pool"));
}
