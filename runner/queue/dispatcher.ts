// Push delivery on one host: for each queue with a worker consumer, a pump leases batches
// (respecting max_batch_size, max_batch_timeout and max_concurrency), invokes the consumer's
// queue() handler through the Worker Loader (workerd builds the MessageBatch and reports acks
// and retries), and settles the outcome. Pumps run when a message is sent (NOTIFY), when a
// delivery ends, when a timer for the next due message fires, and on the scheduler's heartbeat.
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import { runsApart } from "../dispatch/probation.ts";
import { type Route, resolveWorker } from "../dispatch/routes.ts";
import type { PumpStatus } from "../scheduler/status.ts";
import { type QueueResult, consume } from "./consume.ts";
import { DEFAULT_HOST_CONCURRENCY, MAX_HANDLER_MS, PUSH_LEASE_MS, PUSH_LEASE_RENEW_MS } from "./constants.ts";
import { type ConsumerConfig, type LeasedMessage, type Settlement, cachedMetrics, leaseMessages, nextDue, renewLease, routeFailures, settle } from "./store.ts";
import { errorText, log } from "../logs/log.ts";

interface Pump {
  config: ConsumerConfig;
  inFlight: number;
  running: boolean;
  again: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  timerAt: number;
  delivered: number;
  batches: number;
  failures: number;
}

export class QueueDispatcher {
  readonly #env: Env;
  readonly #ctx: DurableObjectState;
  readonly #db: Db;
  readonly #pumps = new Map<string, Pump>();

  constructor(env: Env, ctx: DurableObjectState, db: Db) {
    this.#env = env;
    this.#ctx = ctx;
    this.#db = db;
  }

  /** Replaces the set of push consumers; pumps of unchanged queues keep their state. */
  setConsumers(consumers: ConsumerConfig[]): void {
    const seen = new Set<string>();
    for (const config of consumers) {
      if (config.type !== "worker") continue;
      seen.add(config.queueId);
      const pump = this.#pumps.get(config.queueId);
      if (pump) pump.config = config;
      else {
        this.#pumps.set(config.queueId, {
          config,
          inFlight: 0,
          running: false,
          again: false,
          timer: undefined,
          timerAt: 0,
          delivered: 0,
          batches: 0,
          failures: 0,
        });
      }
    }
    for (const [queueId, pump] of this.#pumps) {
      if (seen.has(queueId)) continue;
      clearTimeout(pump.timer ?? null);
      this.#pumps.delete(queueId);
    }
  }

  wake(queueId: string): void {
    const pump = this.#pumps.get(queueId);
    if (pump) void this.#pump(pump);
  }

  wakeAll(): void {
    for (const pump of this.#pumps.values()) void this.#pump(pump);
  }

  status(): PumpStatus[] {
    return [...this.#pumps.values()].map(({ config, inFlight, batches, delivered, failures }) => ({
      queue: config.queue,
      tenant: config.tenant,
      worker: config.worker,
      inFlight,
      batches,
      delivered,
      failures,
    }));
  }

  async #pump(pump: Pump): Promise<void> {
    if (pump.running) {
      pump.again = true;
      return;
    }
    pump.running = true;
    try {
      do {
        pump.again = false;
        const { config } = pump;
        // A suspended consumer gets no batches: its messages wait, their attempts untouched. The
        // resume (or a changed deploy) notifies the routes channel, which wakes every pump.
        const route = await this.#route(config);
        if (route?.suspended) break;
        // On probation its batches run one at a time in the probation process (consume.ts): more
        // in flight would only wait there, and fail together should that process be killed.
        const apart = route !== null && runsApart(this.#env, route);
        const slots = apart ? 1 : Math.min(config.maxConcurrency ?? DEFAULT_HOST_CONCURRENCY, DEFAULT_HOST_CONCURRENCY * 4);
        while (pump.inFlight < slots && this.#pumps.get(config.queueId) === pump) {
          // Without a batch timeout or a global concurrency cap, one lease serves every free slot.
          const batches = config.maxBatchTimeoutMs === 0 && config.maxConcurrency === null ? slots - pump.inFlight : 1;
          const messages = await leaseMessages(this.#db, config.queueId, {
            limit: config.maxBatchSize * batches,
            leaseMs: PUSH_LEASE_MS,
            batchTimeoutMs: config.maxBatchTimeoutMs,
            maxConcurrency: config.maxConcurrency,
          });
          if (messages.length === 0) break;
          for (let start = 0; start < messages.length; start += config.maxBatchSize) {
            pump.inFlight++;
            void this.#deliver(pump, messages.slice(start, start + config.maxBatchSize)).finally(() => {
              pump.inFlight--;
              void this.#pump(pump);
            });
          }
        }
        if (pump.inFlight < slots) await this.#armTimer(pump);
      } while (pump.again);
    } catch (error) {
      log.error(`queue ${pump.config.queue}: delivery paused after an error; retrying in a second`, { error: errorText(error) });
      this.#setTimer(pump, 1000);
    } finally {
      pump.running = false;
    }
  }

  /** Wakes the pump when the next message is due, or when a waiting partial batch times out. */
  async #armTimer(pump: Pump): Promise<void> {
    const due = await nextDue(this.#db, pump.config.queueId);
    if (due === null) return;
    // due ≤ 0: messages are eligible but the batch is neither full nor old enough yet.
    const wait = due > 0 ? due : pump.config.maxBatchTimeoutMs + due;
    this.#setTimer(pump, Math.max(wait, 5));
  }

  #setTimer(pump: Pump, ms: number): void {
    const at = Date.now() + ms;
    if (pump.timer !== undefined && pump.timerAt <= at && pump.timerAt > Date.now()) return; // an earlier wake is set
    clearTimeout(pump.timer ?? null);
    pump.timerAt = at;
    pump.timer = setTimeout(() => {
      pump.timer = undefined;
      void this.#pump(pump);
    }, ms);
  }

  async #deliver(pump: Pump, leased: LeasedMessage[]): Promise<void> {
    const { config } = pump;
    // A message whose lease ran out max_retries + 1 times (its host died each time) has failed.
    const exhausted = leased.filter((message) => message.attempts > config.maxRetries + 1);
    const messages = leased.filter((message) => message.attempts <= config.maxRetries + 1);
    if (exhausted.length > 0) {
      const routed = routeFailures(
        config,
        exhausted.map((message) => ({ ...message, attempts: config.maxRetries + 1, delaySeconds: 0 })),
      );
      await settle(this.#db, config.queueId, config.deadLetterQueueId, { ack: [], ...routed }).catch((error: unknown) =>
        log.error(`queue ${config.queue}: could not dead-letter exhausted messages`, { error: errorText(error) }),
      );
    }
    const [first] = messages;
    if (!first) return;
    const renew = setInterval(() => {
      renewLease(this.#db, first.lease, PUSH_LEASE_MS).catch((error: unknown) =>
        log.error(`queue ${config.queue}: lease renewal failed`, { error: errorText(error) }),
      );
    }, PUSH_LEASE_RENEW_MS);
    let result: QueueResult | null = null;
    try {
      result = await this.#invoke(config, messages);
    } catch (error) {
      log.error(`queue ${config.queue}: consumer ${config.worker} could not be invoked`, { error: errorText(error) });
    } finally {
      clearInterval(renew);
    }
    pump.batches++;
    if (result?.outcome !== "ok") pump.failures++;
    const outcome = settlementOf(config, messages, result);
    pump.delivered += outcome.ack.length;
    try {
      await settle(this.#db, config.queueId, config.deadLetterQueueId, outcome);
    } catch (error) {
      // The lease runs out and the messages come back: at-least-once, never lost.
      log.error(`queue ${config.queue}: could not record a batch's outcome; it will be redelivered`, { error: errorText(error) });
    }
  }

  /** The consumer's worker, or null when it is gone (or the name now belongs to another tenant). */
  async #route(config: ConsumerConfig): Promise<Route | null> {
    const route = await resolveWorker(this.#env, this.#ctx, config.worker);
    return route !== null && route.tenant === config.tenant ? route : null;
  }

  async #invoke(config: ConsumerConfig, messages: LeasedMessage[]): Promise<QueueResult> {
    // loadVersion takes a request's context; this object's state serves the same calls (waitUntil, exports).
    const context = this.#ctx as unknown as ExecutionContext;
    const route = await this.#route(config);
    if (!route) throw new Error(`worker ${config.worker} is gone`);
    const metrics = await cachedMetrics(this.#db, this.#ctx, config.queueId);
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        consume(this.#env, context, route, { queue: config.queue, messages, metrics }),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`the queue() handler ran longer than ${MAX_HANDLER_MS / 60_000} minutes`)), MAX_HANDLER_MS);
        }),
      ]);
    } finally {
      clearTimeout(timeout ?? null);
    }
  }
}

/**
 * Cloudflare's rules: per-message ack()/retry() win over ackAll()/retryAll(); a handler that
 * threw retries every message it did not explicitly acknowledge; otherwise messages are acked.
 */
export function settlementOf(config: ConsumerConfig, messages: LeasedMessage[], result: QueueResult | null): Settlement {
  const acks = new Set(result?.explicitAcks ?? []);
  const retries = new Map((result?.retryMessages ?? []).map((retry) => [retry.msgId, retry.delaySeconds]));
  const failed = result === null || result.outcome !== "ok";
  const batchDelay = result?.retryBatch.delaySeconds;
  const ack: Settlement["ack"] = [];
  const again: (LeasedMessage & { delaySeconds: number })[] = [];
  for (const message of messages) {
    const held = { id: message.id, lease: message.lease };
    if (acks.has(message.id)) ack.push(held);
    else if (retries.has(message.id)) again.push({ ...message, delaySeconds: retries.get(message.id) ?? batchDelay ?? config.retryDelay });
    else if (result?.ackAll) ack.push(held);
    else if (failed || result?.retryBatch.retry) again.push({ ...message, delaySeconds: batchDelay ?? config.retryDelay });
    else ack.push(held);
  }
  return { ack, ...routeFailures(config, again) };
}
