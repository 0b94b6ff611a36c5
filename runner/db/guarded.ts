import type postgres from "postgres";
import type { Db } from "./client.ts";
import { poolOver } from "./pool.ts";
import { CALL_DEADLINE_MS, isDatabaseUnavailable, isOutage, unavailableError } from "./unavailable.ts";

/** Longer than any statement the platform runs takes. */
const STUCK_MS = 30_000;

interface Client {
  sql: postgres.Sql;
  db: Db;
  /** When a call on this client last settled, either way: a client that settles nothing is stuck. */
  settledAt: number;
}

/**
 * Calls over a postgres.js client made by `connect`, each answered within CALL_DEADLINE_MS:
 * with unavailableError when Postgres is away (unavailable.ts), while a statement's own error
 * passes unchanged. On workerd, postgres.js may miss a connection the server closed (Postgres
 * restarted, backends terminated): a query on it never settles. So the whole client is given up
 * when a call meets its deadline while the client settled nothing since the call began, or when
 * one call is still unsettled after STUCK_MS; the next call connects afresh, the old client is
 * ended unwaited. A merely slow statement, on a client that answers others, is left to finish.
 * Only code that owns sockets beyond one request (a Durable Object) may hold one: see database.ts.
 */
export function guardedPool(connect: () => postgres.Sql): Db {
  let current: Client | undefined;
  const giveUp = (client: Client) => {
    if (current !== client) return;
    current = undefined;
    void client.sql.end({ timeout: 0 }).catch(() => {});
  };
  const run = async <T>(call: (db: Db) => Promise<T>, refusals: readonly string[] = []): Promise<T> => {
    if (!current) {
      const sql = connect();
      current = { sql, db: poolOver(sql), settledAt: Date.now() };
    }
    const client = current;
    const asked = Date.now();
    const answer = call(client.db);
    const stuck = setTimeout(() => giveUp(client), STUCK_MS);
    const settled = () => {
      client.settledAt = Date.now();
      clearTimeout(stuck);
    };
    void answer.then(settled, settled);
    let timer = 0;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (client.settledAt < asked) giveUp(client);
        reject(unavailableError(`no answer from the database within ${CALL_DEADLINE_MS} ms`));
      }, CALL_DEADLINE_MS);
    });
    try {
      return await Promise.race([answer, deadline]);
    } catch (error) {
      throw isDatabaseUnavailable(error) || !isOutage(error, refusals) ? error : unavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    query: (text, params) => run((db) => db.query(text, params)),
    transaction: (statements) =>
      run(
        (db) => db.transaction(statements),
        statements.flatMap((statement) => statement.requireRow ?? []),
      ),
  };
}
