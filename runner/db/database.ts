import { DurableObject } from "cloudflare:workers";
import postgres from "postgres";
import type { Env } from "../env.ts";
import type { Db } from "./client.ts";
import { keepListening } from "./listen.ts";
import { hearing, notify, subscribedChannels } from "./notifications.ts";
import { poolOver } from "./pool.ts";
import type { Row, SqlParam, Statement } from "./statement.ts";
import { CALL_DEADLINE_MS, isDatabaseUnavailable, isOutage, unavailableError } from "./unavailable.ts";

/**
 * Owns this workerd process's Postgres connections.
 *
 * A socket belongs to the request that opened it, so a module-scope client fails on the
 * next request; a Durable Object's sockets outlive requests. One object per process
 * (`idFromName("pool")`) with two connections and prepared statements measured fastest
 * here (docs/architecture.md, "Connection pooling"); more hosts scale it out, more shards in one process do not.
 */
/** Longer than any statement the platform runs takes (binding calls give up after 10 s). */
const STUCK_MS = 30_000;

interface Pool {
  sql: postgres.Sql;
  db: Db;
  /** When a call on this client last settled, either way: a client that settles nothing is stuck. */
  settledAt: number;
}

export class Database extends DurableObject<Env> {
  #pool: Pool | undefined;
  #listening = false;

  get #current(): Pool {
    if (!this.#listening) {
      this.#listening = true;
      this.#listen();
    }
    if (!this.#pool) {
      const sql = postgres(this.env.HYPERDRIVE.connectionString, { max: 2, prepare: true, onnotice: () => {} });
      this.#pool = { sql, db: poolOver(sql), settledAt: Date.now() };
    }
    return this.#pool;
  }

  /**
   * Runs a call on the pool. Its caller is answered within CALL_DEADLINE_MS, with
   * unavailableError when Postgres is away (unavailable.ts); a statement's own error passes
   * unchanged. On workerd, postgres.js may miss a connection the server closed (Postgres
   * restarted, backends terminated): a query on it never settles. So the whole client is given up
   * when a call meets its deadline while the client settled nothing since the call began, or when
   * one call is still unsettled after STUCK_MS; a fresh client reconnects, the old one is ended
   * unwaited. A merely slow statement, on a client that answers others, is left to finish.
   */
  async #run<T>(call: (db: Db) => Promise<T>, refusals: readonly string[] = []): Promise<T> {
    const pool = this.#current;
    const asked = Date.now();
    const answer = call(pool.db);
    const stuck = setTimeout(() => this.#giveUp(pool), STUCK_MS);
    const settled = () => {
      pool.settledAt = Date.now();
      clearTimeout(stuck);
    };
    void answer.then(settled, settled);
    let timer = 0;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (pool.settledAt < asked) this.#giveUp(pool);
        reject(unavailableError(`no answer from Postgres within ${CALL_DEADLINE_MS} ms`));
      }, CALL_DEADLINE_MS);
    });
    try {
      return await Promise.race([answer, deadline]);
    } catch (error) {
      throw isDatabaseUnavailable(error) || !isOutage(error, refusals) ? error : unavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  #giveUp(pool: Pool): void {
    if (this.#pool !== pool) return;
    this.#pool = undefined;
    void pool.sql.end({ timeout: 0 }).catch(() => {});
  }

  /**
   * One more connection, subscribed to the channels the features registered (notifications.ts,
   * runner/index.ts); each feature's listener says what it does while the connection is down.
   */
  #listen(): void {
    keepListening(this.env.HYPERDRIVE.connectionString, {
      channels: subscribedChannels(),
      notified: (channel, payload) => notify(channel, payload, { env: this.env, ctx: this.ctx }),
      hearing,
    });
  }

  async query(text: string, params: SqlParam[] = []): Promise<Row[]> {
    return this.#run((db) => db.query(text, params));
  }

  /** Runs the statements in one transaction; all commit or none does. */
  async transaction(statements: Statement[]): Promise<Row[][]> {
    return this.#run(
      (db) => db.transaction(statements),
      statements.flatMap((statement) => statement.requireRow ?? []),
    );
  }
}
