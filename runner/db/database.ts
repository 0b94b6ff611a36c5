import { DurableObject } from "cloudflare:workers";
import postgres from "postgres";
import type { Env } from "../env.ts";
import type { Db } from "./client.ts";
import { keepListening } from "./listen.ts";
import { hearing, notify, subscribedChannels } from "./notifications.ts";
import { guardedPool } from "./guarded.ts";
import type { Row, SqlParam, Statement } from "./statement.ts";
import { FairQueue, QueueWaitExceeded } from "./fair-queue.ts";
import { ByteBudget } from "./byte-budget.ts";
import { CALL_DEADLINE_MS, unavailableError } from "./unavailable.ts";

/**
 * Two lanes to Postgres: calls whose parameters are small (reads, small writes) and calls that
 * carry large values. A large write keeps a connection busy for as long as it takes to send it, so
 * with one set of connections every small call queued behind it; apart, a flood of large writes
 * queues only behind other large writes. In each lane a FairQueue (fair-queue.ts) shares the
 * connections by tenant: a connection serves one tenant at a time (pipelining up to `depth` of its
 * calls), a tenant holds at most `perTenant` connections, and waiting tenants take turns. Each
 * connection is a postgres.js client of its own, so the queue decides which call goes where.
 */
function lanes(tenantConnections: number) {
  return {
    small: { connections: 4, depth: 4, perTenant: tenantConnections },
    large: { connections: 2, depth: 1, perTenant: 1 },
  };
}
type Lane = keyof ReturnType<typeof lanes>;

/** Parameters larger than this in total (a KV value, a queue batch) take the large lane. */
const LARGE_CALL_BYTES = 64 * 1024;

/** Whose turn a call without a tenant (routing, admin, maintenance) takes: the platform's own. */
const PLATFORM = "";

/**
 * Owns this workerd process's Postgres connections.
 *
 * A socket belongs to the request that opened it, so a module-scope client fails on the
 * next request; a Durable Object's sockets outlive requests. One object per process
 * (`idFromName("pool")`) with prepared statements measured fastest here (docs/architecture.md,
 * "Connection pooling"); more hosts scale it out, more shards in one process do not. Its
 * connections form two lanes (`lanes` above); callers name the tenant a call is for (client.ts),
 * which picks its turn in the lane's queue.
 */
export class Database extends DurableObject<Env> {
  readonly #lanes = new Map<Lane, { connections: Db[]; queue: FairQueue }>();
  readonly #budget = new ByteBudget(this.env.CONFIG.databaseTenantMibPerSecond * 2 ** 20, CALL_DEADLINE_MS);
  #listening = false;

  #lane(lane: Lane): { connections: Db[]; queue: FairQueue } {
    if (!this.#listening) {
      this.#listening = true;
      this.#listen();
    }
    let open = this.#lanes.get(lane);
    if (!open) {
      const limits = lanes(this.env.CONFIG.databaseTenantConnections)[lane];
      const connect = () => postgres(this.env.HYPERDRIVE.connectionString, { max: 1, prepare: true, onnotice: () => {} });
      const connections = Array.from({ length: limits.connections }, () => guardedPool(connect));
      this.#lanes.set(lane, (open = { connections, queue: new FairQueue({ ...limits, maxWaitMs: CALL_DEADLINE_MS }) }));
    }
    return open;
  }

  /**
   * Runs `call` in its lane, in `tenant`'s turn, once the tenant's byte budget (byte-budget.ts)
   * allows it; a call that would wait CALL_DEADLINE_MS for either fails as unavailable. The
   * budget's wait comes first and holds no connection; the platform's own calls have no budget.
   */
  async #run<T>(tenant: string | undefined, params: readonly SqlParam[], call: (db: Db) => Promise<T>): Promise<T> {
    const bytes = paramBytes(params);
    const wait = tenant === undefined ? 0 : this.#budget.take(tenant, bytes, Date.now());
    if (wait === null) throw unavailableError(`the tenant's database byte budget is spent for more than ${CALL_DEADLINE_MS} ms`);
    if (wait > 0) await scheduler.wait(wait);
    const { connections, queue } = this.#lane(bytes > LARGE_CALL_BYTES ? "large" : "small");
    return queue
      .run(tenant ?? PLATFORM, (index) => call(connections[index] as Db))
      .catch((error: unknown) => {
        throw error instanceof QueueWaitExceeded ? unavailableError(`no turn on a database connection within ${CALL_DEADLINE_MS} ms`) : error;
      });
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

  async query(text: string, params: SqlParam[] = [], tenant?: string): Promise<Row[]> {
    return this.#run(tenant, params, (db) => db.query(text, params));
  }

  /** Runs the statements in one transaction; all commit or none does. */
  async transaction(statements: Statement[], tenant?: string): Promise<Row[][]> {
    return this.#run(
      tenant,
      statements.flatMap((statement) => statement.params),
      (db) => db.transaction(statements),
    );
  }
}

/** About what the parameters weigh on the wire. */
function paramBytes(params: readonly SqlParam[]): number {
  let bytes = 0;
  for (const param of params) {
    if (param instanceof Uint8Array) bytes += param.byteLength;
    else if (typeof param === "string") bytes += param.length;
    else if (Array.isArray(param)) bytes += paramBytes(param);
  }
  return bytes;
}
