import postgres from "postgres";
import type { Db, Row, Sql, SqlParam, Statement } from "./client.ts";
import type { RowsOf } from "./statement.ts";

/**
 * Queries and transactions over a postgres.js client, returning plain rows. Only code that
 * owns sockets beyond one request (a Durable Object) may hold the client: see database.ts.
 */
export function poolOver(sql: postgres.Sql): Db {
  return counted({
    async query<R = Row>(text: Sql<R>, params: SqlParam[] = []): Promise<R[]> {
      return plain(await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }));
    },
    /** Runs the statements in one transaction; all commit or none does. */
    async transaction<const S extends readonly Statement<unknown>[]>(statements: S): Promise<RowsOf<S>> {
      return (await sql.begin(async (tx) => {
        const results: Row[][] = [];
        for (const { text, params, requireRow } of statements) {
          const rows = plain<Row>(await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }));
          if (requireRow !== undefined && rows.length === 0) throw new Error(requireRow);
          results.push(rows);
        }
        return results;
      })) as RowsOf<S>;
    },
  });
}

/** This process's queries and transactions on its pools: waiting or running now, and run since it started (read by runner/metrics). */
export const poolUse = { inFlight: 0, total: 0 };

function counted(db: Db): Db {
  const use = async <T>(call: () => Promise<T>): Promise<T> => {
    poolUse.inFlight++;
    poolUse.total++;
    try {
      return await call();
    } finally {
      poolUse.inFlight--;
    }
  };
  return { query: (text, params) => use(() => db.query(text, params)), transaction: (statements) => use(() => db.transaction(statements)) };
}

// postgres.js returns an Array subclass with extra fields; RPC wants plain data. The one place
// rows take the type their statement states (statement.ts): nothing is checked at run time.
function plain<R>(rows: readonly Row[]): R[] {
  return rows.map((row) => ({ ...row }) as R);
}
