// Queue storage operations shared by the binding, the admin API and the push dispatcher. Every
// function takes the queue id from its caller (props minted by the loader, or an admin lookup
// scoped to the token's tenant); nothing here trusts a tenant-supplied identity.
import type { Db, Statement } from "../db/client.ts";
import { CONSUMER_DEFAULTS, type ContentType, METRICS_TTL_MS } from "./constants.ts";
import type { QueueMetrics } from "./contract.ts";
import { type ConsumerRow, type MessageRow, QUEUE_SQL } from "./sql.ts";
import { errorText, log } from "../logs/log.ts";

/** A message ready to store: its body already encoded for its content type. */
export interface OutgoingMessage {
  contentType: ContentType;
  body: Uint8Array;
  delaySeconds: number;
}

export interface LeasedMessage {
  /** 32 hex digits */
  id: string;
  /** The lease this delivery holds (32 hex digits). */
  lease: string;
  contentType: ContentType;
  body: Uint8Array;
  /** Deliveries so far, this one included. */
  attempts: number;
  /** When it was sent, epoch ms. */
  timestamp: number;
}

/** Messages identified by id and the lease they are held under. */
export interface Held {
  id: string;
  lease: string;
}

export interface Settlement {
  ack: Held[];
  retry: (Held & { delaySeconds: number })[];
  deadLetter: Held[];
  drop: Held[];
}

/** Consumer settings with defaults applied, and the ids they name. */
export interface ConsumerConfig {
  worker: string;
  tenant: string;
  queueId: string;
  queue: string;
  deadLetterQueueId: string | null;
  type: "worker" | "http_pull";
  maxBatchSize: number;
  maxBatchTimeoutMs: number;
  maxRetries: number;
  retryDelay: number;
  maxConcurrency: number | null;
  visibilityTimeoutMs: number | null;
}

/**
 * Stores the messages (durably: this commit waits for the WAL flush), then tells every host's
 * scheduler; with `waitUntil`, the notification goes out after the caller has its answer.
 */
export async function storeMessages(db: Db, queueId: string, messages: OutgoingMessage[], waitUntil?: (promise: Promise<unknown>) => void): Promise<void> {
  const total = messages.reduce((sum, message) => sum + message.body.byteLength, 0);
  const bodies = new Uint8Array(total);
  let offset = 0;
  for (const message of messages) {
    bodies.set(message.body, offset);
    offset += message.body.byteLength;
  }
  await db.query(QUEUE_SQL.send, [
    queueId,
    bodies,
    messages.map((message) => message.body.byteLength),
    messages.map((message) => message.contentType),
    messages.map((message) => message.delaySeconds),
  ]);
  const notified = db.query(QUEUE_SQL.notify, [queueId]).catch((error: unknown) => {
    // Every scheduler still sweeps each queue every few seconds.
    log.error(`queue ${queueId}: could not notify the schedulers of new messages`, { error: errorText(error) });
  });
  if (waitUntil) waitUntil(notified);
  else await notified;
}

const metricsCache = new Map<string, { metrics: QueueMetrics; at: number }>();
const refreshing = new Set<string>();

/**
 * Backlog figures for send() responses and batch metadata: at most METRICS_TTL_MS old on this
 * host (refreshed in the background), so a hot producer does not count the queue on every send.
 */
export async function cachedMetrics(db: Db, ctx: { waitUntil(promise: Promise<unknown>): void }, queueId: string): Promise<QueueMetrics> {
  const hit = metricsCache.get(queueId);
  if (!hit) return freshMetrics(db, queueId);
  if (Date.now() - hit.at > METRICS_TTL_MS && !refreshing.has(queueId)) {
    refreshing.add(queueId);
    ctx.waitUntil(freshMetrics(db, queueId).finally(() => refreshing.delete(queueId)));
  }
  return hit.metrics;
}

export async function freshMetrics(db: Db, queueId: string): Promise<QueueMetrics> {
  const [row] = await db.query(QUEUE_SQL.metrics, [queueId]);
  const metrics: QueueMetrics = { backlogCount: Number(row?.backlog_count ?? 0), backlogBytes: Number(row?.backlog_bytes ?? 0) };
  if (row?.oldest_ms !== null && row?.oldest_ms !== undefined) metrics.oldestMessageTimestamp = new Date(row.oldest_ms);
  if (metricsCache.size > 10_000) metricsCache.clear();
  metricsCache.set(queueId, { metrics, at: Date.now() });
  return metrics;
}

export interface LeaseOptions {
  limit: number;
  leaseMs: number;
  /** Lease only if `limit` messages are eligible or the oldest has waited this long. */
  batchTimeoutMs: number;
  /** Global cap on batches leased at once (max_concurrency), or null. */
  maxConcurrency: number | null;
}

/** Leases eligible messages, oldest first; [] when none (or the batch is not ready yet). */
export async function leaseMessages(db: Db, queueId: string, options: LeaseOptions): Promise<LeasedMessage[]> {
  const lease = crypto.randomUUID();
  const params = [queueId, options.limit, lease, options.leaseMs, options.batchTimeoutMs];
  let rows: MessageRow[];
  if (options.maxConcurrency === null) {
    rows = await db.query(QUEUE_SQL.lease, params);
  } else {
    const results = await db.transaction([
      { text: QUEUE_SQL.lockQueue, params: [queueId] },
      { text: QUEUE_SQL.leaseBounded, params: [...params, options.maxConcurrency] },
    ]);
    rows = results[1] ?? [];
  }
  const leaseHex = lease.replaceAll("-", "");
  return rows
    .sort((a, b) => Number(a.seq) - Number(b.seq))
    .map((row) => ({
      id: row.id,
      lease: leaseHex,
      contentType: row.content_type,
      body: row.body,
      attempts: row.attempts,
      timestamp: row.sent_ms,
    }));
}

/** Keeps a push delivery's lease alive while its handler runs. */
export async function renewLease(db: Db, lease: string, leaseMs: number): Promise<void> {
  await db.query(QUEUE_SQL.renew, [lease, leaseMs]);
}

/** Milliseconds until the queue's earliest message is due (≤ 0: due now), or null if it is empty. */
export async function nextDue(db: Db, queueId: string): Promise<number | null> {
  const [row] = await db.query(QUEUE_SQL.nextDue, [queueId]);
  return row?.due_ms === null || row?.due_ms === undefined ? null : Number(row.due_ms);
}

/** Applies a delivery's outcome in one transaction; messages whose lease was lost are left alone. */
export async function settle(db: Db, queueId: string, deadLetterQueueId: string | null, outcome: Settlement): Promise<{ acked: number }> {
  const pairs = (held: Held[]) => [held.map((h) => h.id), held.map((h) => h.lease)];
  const statements: Statement<{ n: number }>[] = [];
  if (outcome.ack.length > 0) statements.push({ text: QUEUE_SQL.ack, params: [queueId, ...pairs(outcome.ack)] });
  if (outcome.retry.length > 0) {
    statements.push({ text: QUEUE_SQL.retry, params: [queueId, ...pairs(outcome.retry), outcome.retry.map((r) => r.delaySeconds)] });
  }
  if (outcome.deadLetter.length > 0 && deadLetterQueueId !== null) {
    statements.push({ text: QUEUE_SQL.deadLetter, params: [queueId, ...pairs(outcome.deadLetter), deadLetterQueueId] });
  }
  if (outcome.drop.length > 0) statements.push({ text: QUEUE_SQL.drop, params: [queueId, ...pairs(outcome.drop)] });
  if (statements.length === 0) return { acked: 0 };
  const [only] = statements;
  const results = statements.length === 1 && only ? [await db.query(only.text, only.params)] : await db.transaction(statements);
  return { acked: outcome.ack.length > 0 ? Number(results[0]?.[0]?.n ?? 0) : 0 };
}

/**
 * Splits failed messages between retry and the end of the line: past max_retries they go to the
 * dead-letter queue, or are dropped with a log line when there is none.
 */
export function routeFailures(
  consumer: Pick<ConsumerConfig, "maxRetries" | "deadLetterQueueId" | "queue" | "worker">,
  failed: (LeasedMessage & { delaySeconds: number })[],
): Pick<Settlement, "retry" | "deadLetter" | "drop"> {
  const outcome: Pick<Settlement, "retry" | "deadLetter" | "drop"> = { retry: [], deadLetter: [], drop: [] };
  for (const message of failed) {
    const held = { id: message.id, lease: message.lease };
    if (message.attempts <= consumer.maxRetries) outcome.retry.push({ ...held, delaySeconds: message.delaySeconds });
    else if (consumer.deadLetterQueueId !== null) outcome.deadLetter.push(held);
    else outcome.drop.push(held);
  }
  const attempts = consumer.maxRetries + 1;
  for (const { id } of outcome.drop) {
    log.warn(`queue ${consumer.queue}: dropped message ${id} after ${attempts} failed attempt${attempts === 1 ? "" : "s"} (no dead_letter_queue configured)`);
  }
  for (const { id } of outcome.deadLetter) {
    log.warn(`queue ${consumer.queue}: moved message ${id} to its dead-letter queue after ${attempts} failed attempt${attempts === 1 ? "" : "s"}`);
  }
  return outcome;
}

/** The consumer settings of every serving version, or of one queue. */
export async function loadConsumers(db: Db, queueId: string | null = null): Promise<ConsumerConfig[]> {
  const rows = await db.query(QUEUE_SQL.consumers, [queueId]);
  return rows.map((row) => consumerConfig(row));
}

export function consumerConfig(row: ConsumerRow): ConsumerConfig {
  const settings = row.settings;
  return {
    worker: row.worker,
    tenant: row.tenant,
    queueId: row.queue_id,
    queue: settings.queue,
    deadLetterQueueId: row.dlq_id,
    type: settings.type ?? "worker",
    maxBatchSize: settings.maxBatchSize ?? CONSUMER_DEFAULTS.maxBatchSize,
    maxBatchTimeoutMs: (settings.maxBatchTimeout ?? CONSUMER_DEFAULTS.maxBatchTimeout) * 1000,
    maxRetries: settings.maxRetries ?? CONSUMER_DEFAULTS.maxRetries,
    retryDelay: settings.retryDelay ?? CONSUMER_DEFAULTS.retryDelay,
    maxConcurrency: settings.maxConcurrency ?? null,
    visibilityTimeoutMs: settings.visibilityTimeoutMs ?? null,
  };
}
