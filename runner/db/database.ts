import { DurableObject } from "cloudflare:workers";
import postgres from "postgres";
import type { Env } from "../env.ts";
import type { Db } from "./client.ts";
import { keepListening } from "./listen.ts";
import { hearing, notify, subscribedChannels } from "./notifications.ts";
import { poolOver } from "./pool.ts";
import type { Row, SqlParam, Statement } from "./statement.ts";

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

export class Database extends DurableObject<Env> {
  #pool: { sql: postgres.Sql; db: Db } | undefined;
  #listening = false;

  get #current(): { sql: postgres.Sql; db: Db } {
    if (!this.#listening) {
      this.#listening = true;
      this.#listen();
    }
    if (!this.#pool) {
      const sql = postgres(this.env.HYPERDRIVE.connectionString, { max: 2, prepare: true, onnotice: () => {} });
      this.#pool = { sql, db: poolOver(sql) };
    }
    return this.#pool;
  }

  /**
   * Runs a call on the pool; one without an answer after STUCK_MS gives up the whole client. On
   * workerd, postgres.js may miss a connection the server closed (Postgres restarted, backends
   * terminated): a query on it never settles, and with both connections so held every query of
   * the process would wait for ever. A fresh client reconnects; the old one is ended unwaited.
   */
  async #run<T>(call: (db: Db) => Promise<T>): Promise<T> {
    const pool = this.#current;
    let timer = 0;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Postgres within ${STUCK_MS} ms; reconnecting`)), STUCK_MS);
    });
    try {
      return await Promise.race([call(pool.db), stuck]);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("no answer from Postgres") && this.#pool === pool) {
        this.#pool = undefined;
        void pool.sql.end({ timeout: 0 }).catch(() => {});
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
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
    return this.#run((db) => db.transaction(statements));
  }
}
