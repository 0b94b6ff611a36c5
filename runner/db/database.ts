import { DurableObject } from "cloudflare:workers";
import postgres from "postgres";
import type { Env } from "../env.ts";
import type { Db } from "./client.ts";
import { keepListening } from "./listen.ts";
import { hearing, notify, subscribedChannels } from "./notifications.ts";
import { guardedPool } from "./guarded.ts";
import type { Row, SqlParam, Statement } from "./statement.ts";

/**
 * Owns this workerd process's Postgres connections.
 *
 * A socket belongs to the request that opened it, so a module-scope client fails on the
 * next request; a Durable Object's sockets outlive requests. One object per process
 * (`idFromName("pool")`) with two connections and prepared statements measured fastest
 * here (docs/architecture.md, "Connection pooling"); more hosts scale it out, more shards in one process do not.
 */
export class Database extends DurableObject<Env> {
  #pool: Db | undefined;
  #listening = false;

  get #current(): Db {
    if (!this.#listening) {
      this.#listening = true;
      this.#listen();
    }
    this.#pool ??= guardedPool(() => postgres(this.env.HYPERDRIVE.connectionString, { max: 2, prepare: true, onnotice: () => {} }));
    return this.#pool;
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
    return this.#current.query(text, params);
  }

  /** Runs the statements in one transaction; all commit or none does. */
  async transaction(statements: Statement[]): Promise<Row[][]> {
    return this.#current.transaction(statements);
  }
}
