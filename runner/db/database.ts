import { DurableObject } from "cloudflare:workers";
import postgres from "postgres";
import type { Env } from "../env.ts";
import type { Db } from "./client.ts";
import { poolOver } from "./pool.ts";
import { ROUTES_CHANNEL, forgetRoutes } from "../dispatch/routes.ts";
import { warmWorker } from "../dispatch/warm.ts";
import { KV_CHANNEL, deaf, invalidate, listening } from "../kv/cache.ts";
import { KEYS_CHANNEL, forgetSigningKey, rotationsHeard } from "../vault/signing.ts";
import { errorText, log } from "../logs/log.ts";

export type SqlParam = string | number | bigint | boolean | null | Uint8Array | SqlParam[];
export type Row = Record<string, unknown>;
export interface Statement {
  text: string;
  params: SqlParam[];
  /** If the statement returns no row, roll the transaction back with this message. */
  requireRow?: string;
}

/**
 * Owns this workerd process's Postgres connections.
 *
 * A socket belongs to the request that opened it, so a module-scope client fails on the
 * next request; a Durable Object's sockets outlive requests. One object per process
 * (`idFromName("pool")`) with two connections and prepared statements measured fastest
 * here (see the benchmarks); more hosts scale it out, more shards in one process do not.
 */
export class Database extends DurableObject<Env> {
  #sql: postgres.Sql | undefined;

  #listener: postgres.Sql | undefined;
  #db: Db | undefined;

  get #client(): postgres.Sql {
    if (!this.#sql) {
      this.#sql = postgres(this.env.HYPERDRIVE.connectionString, { max: 2, prepare: true, onnotice: () => {} });
      this.#listen();
    }
    return this.#sql;
  }

  /**
   * One more connection, subscribed to change notifications: KV entries (the read cache),
   * workers/routes (the routing cache) and key rotations (the signing key). When it closes, the
   * KV cache stops serving and the signing key is looked up per use until LISTEN succeeds again
   * on a new connection; routing falls back to its 1 s refresh.
   */
  #listen(): void {
    const options = {
      max: 1,
      idle_timeout: 0, // 0: never closed for idleness or age
      max_lifetime: 0,
      fetch_types: false,
      onnotice: () => {},
      onnotify: (channel: string, payload: string) => {
        if (channel === KV_CHANNEL) invalidate(payload);
        else if (channel === KEYS_CHANNEL) forgetSigningKey();
        else if (channel === ROUTES_CHANNEL) {
          forgetRoutes(payload);
          // Another host (or this one) changed the worker: load what now serves before traffic does.
          this.ctx.waitUntil(warmWorker(this.env, this.ctx as unknown as ExecutionContext, payload));
        }
      },
      onclose: () => {
        deaf();
        rotationsHeard(false);
        setTimeout(() => this.#listen(), 1000);
      },
    };
    this.#listener ??= postgres(this.env.HYPERDRIVE.connectionString, options as postgres.Options<{}>);
    const listener = this.#listener;
    const channels = [ROUTES_CHANNEL, KV_CHANNEL, KEYS_CHANNEL];
    Promise.all(channels.map((channel) => listener.unsafe(`LISTEN ${channel}`))).then(
      () => {
        listening();
        rotationsHeard(true);
      },
      (error: unknown) => {
        log.error("KV cache listener could not subscribe; reads go to Postgres", { error: errorText(error) });
        deaf();
        rotationsHeard(false);
      },
    );
  }

  async query(text: string, params: SqlParam[] = []): Promise<Row[]> {
    return this.#pool.query(text, params);
  }

  /** Runs the statements in one transaction; all commit or none does. */
  async transaction(statements: Statement[]): Promise<Row[][]> {
    return this.#pool.transaction(statements);
  }

  get #pool(): Db {
    this.#db ??= poolOver(this.#client);
    return this.#db;
  }
}
