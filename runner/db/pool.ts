import postgres from "postgres";
import type { Db, Row, SqlParam, Statement } from "./client.ts";

/**
 * Queries and transactions over a postgres.js client, returning plain rows. Only code that
 * owns sockets beyond one request (a Durable Object) may hold the client: see database.ts.
 */
export function poolOver(sql: postgres.Sql): Db {
  return {
    async query(text: string, params: SqlParam[] = []): Promise<Row[]> {
      return plain(await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }));
    },
    /** Runs the statements in one transaction; all commit or none does. */
    async transaction(statements: Statement[]): Promise<Row[][]> {
      return (await sql.begin(async (tx) => {
        const results: Row[][] = [];
        for (const { text, params, requireRow } of statements) {
          const rows = plain(await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }));
          if (requireRow !== undefined && rows.length === 0) throw new Error(requireRow);
          results.push(rows);
        }
        return results;
      })) as Row[][];
    },
  };
}

// postgres.js returns an Array subclass with extra fields; RPC wants plain data.
function plain(rows: readonly Row[]): Row[] {
  return rows.map((row) => ({ ...row }));
}
