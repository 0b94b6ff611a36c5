// The scheduler's own Postgres connections. Delivery runs inside the Scheduler Durable Object,
// whose sockets outlive requests just like the Database object's; with connections of its own,
// leases and acks neither queue behind tenants' synchronous commits on the shared pool (two
// connections, DESIGN.md) nor pay an RPC hop to it per statement.
import postgres from "postgres";
import type { Db, Row, SqlParam, Statement } from "../db/client.ts";

export function ownPool(connectionString: string, connections: number, applicationName: string): Db {
  const sql = postgres(connectionString, { max: connections, prepare: true, onnotice: () => {}, connection: { application_name: applicationName } });
  return {
    async query(text: string, params: SqlParam[] = []): Promise<Row[]> {
      return plain(await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }));
    },
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

function plain(rows: readonly Row[]): Row[] {
  return rows.map((row) => ({ ...row }));
}
