// The host's scheduler: workerd has no timers of its own outside requests, so one Durable
// Object per workerd process (`idFromName("scheduler")`, never evicted) owns them: the push
// dispatcher's pumps (runner/queue/) and the cron ticker (runner/cron/). It holds its own LISTEN
// connection (new messages, deploys) for low latency, and a one-second housekeeping timer as the
// safety net. Nothing starts a Durable Object by itself, so the pool supervisor (cli/pool.js)
// calls the heartbeat (POST /v1/maintenance/tick, admin.ts) on every process's private port every
// second; a restarted process is back in business within it.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { ROUTES_CHANNEL } from "../dispatch/routes.ts";
import { database } from "../db/client.ts";
import { keepListening } from "../db/listen.ts";
import { CRON_SQL } from "../cron/sql.ts";
import { CronTicker } from "../cron/ticker.ts";
import { QUEUES_CHANNEL } from "../queue/constants.ts";
import { QueueDispatcher } from "../queue/dispatcher.ts";
import { loadConsumers } from "../queue/store.ts";
import { ownPool } from "./pool.ts";
import type { SchedulerRpc, SchedulerStatus } from "./status.ts";
import { errorText, log } from "../logs/log.ts";

/** Consumers and crons are re-read at least this often (and at once after a deploy's NOTIFY). */
const CONFIG_TTL_MS = 5_000;
/** Every pump is run at least this often, whatever the notifications say. */
const SWEEP_MS = 5_000;
const HOUSEKEEPING_MS = 1_000;
const PRUNE_MS = 3_600_000;
/** How the scheduler's connections show in pg_stat_activity. */
export const SCHEDULER_APPLICATION_NAME = "outpost-scheduler";
/**
 * The delivery pool's size (pool.ts): leases, deliveries' acks and renewals share it. Four keep
 * 16 concurrent deliveries from queueing on their acks (measured: 2 → 4 took batches of 1 from
 * ~600 to ~770 messages/s and batches of 100 from ~11,000 to ~15,000).
 */
const DELIVERY_CONNECTIONS = 4;

export class Scheduler extends DurableObject<Env> implements SchedulerRpc {
  readonly #db = ownPool(this.env.HYPERDRIVE.connectionString, DELIVERY_CONNECTIONS, SCHEDULER_APPLICATION_NAME);
  readonly #dispatcher = new QueueDispatcher(this.env, this.ctx, this.#db);
  readonly #crons = new CronTicker(this.env, this.ctx);
  #listening = false;
  #housekeeping: ReturnType<typeof setInterval> | undefined;
  #loadedAt = 0;
  #stale = true;
  #loading: Promise<void> | undefined;
  #sweptAt = 0;
  #prunedAt = 0;

  async tick(): Promise<SchedulerStatus> {
    this.#start();
    await this.#maintain();
    return this.status();
  }

  status(): SchedulerStatus {
    return {
      listening: this.#listening,
      queues: this.#dispatcher.status(),
      crons: this.#crons.status(),
      cronTicks: { reached: this.#crons.reached, ran: this.#crons.ran },
    };
  }

  #start(): void {
    if (this.#housekeeping !== undefined) return;
    this.#housekeeping = setInterval(() => void this.#maintain(), HOUSEKEEPING_MS);
    this.#listen();
  }

  async #maintain(): Promise<void> {
    try {
      if (this.#stale || Date.now() - this.#loadedAt > CONFIG_TTL_MS) await this.#reload();
      if (Date.now() - this.#sweptAt > SWEEP_MS) {
        this.#sweptAt = Date.now();
        this.#dispatcher.wakeAll();
      }
      if (Date.now() - this.#prunedAt > PRUNE_MS) {
        this.#prunedAt = Date.now();
        await database(this.env).query(CRON_SQL.prune);
      }
    } catch (error) {
      log.error("scheduler housekeeping failed; trying again in a second", { error: errorText(error) });
    }
  }

  // One reload at a time; a change noticed meanwhile marks the config stale for the next one.
  async #reload(): Promise<void> {
    if (this.#loading) return this.#loading;
    this.#stale = false;
    this.#loading = (async () => {
      try {
        const consumers = await loadConsumers(this.#db);
        this.#dispatcher.setConsumers(consumers);
        await this.#crons.reload();
        this.#loadedAt = Date.now();
        this.#dispatcher.wakeAll();
      } catch (error) {
        this.#stale = true;
        throw error;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  /** Messages sent through any host wake this host's pump; deploys and rollbacks reload. */
  #listen(): void {
    keepListening(this.env.HYPERDRIVE.connectionString, {
      channels: [QUEUES_CHANNEL, ROUTES_CHANNEL],
      applicationName: SCHEDULER_APPLICATION_NAME,
      notified: (channel, payload) => {
        if (channel === QUEUES_CHANNEL) this.#dispatcher.wake(payload);
        else if (channel === ROUTES_CHANNEL) {
          this.#stale = true;
          void this.#maintain();
        }
      },
      hearing: (heard, error) => {
        this.#listening = heard;
        // Anything sent while we were not listening is picked up now.
        if (heard) this.#dispatcher.wakeAll();
        else if (error !== undefined) log.error("queue scheduler could not subscribe to notifications; polling every few seconds", { error: errorText(error) });
      },
    });
  }
}

/** This process's scheduler. */
export function scheduler(env: Env): DurableObjectStub<SchedulerRpc> {
  return env.SCHEDULER.get(env.SCHEDULER.idFromName("scheduler"));
}
