// Pull consumers: the contract SQS, Pub/Sub and Service Bus share. receive() leases messages
// for a visibility timeout and returns them with opaque receipt handles (lease ids); ack is
// idempotent; a nack (retry) or an expired lease makes the message deliverable again, and past
// max_retries it goes to the dead-letter queue (or is dropped) as with push delivery.
import type { Db } from "../db/client.ts";
import { CONSUMER_DEFAULTS, DEFAULT_VISIBILITY_TIMEOUT_MS } from "./constants.ts";
import { QUEUE_SQL } from "./sql.ts";
import { type ConsumerConfig, type Held, type LeasedMessage, leaseMessages, loadConsumers, routeFailures, settle } from "./store.ts";
import { makeHandle, parseHandle } from "./validate.ts";

export interface PulledMessage extends LeasedMessage {
  leaseId: string;
}

type PullSettings = Pick<ConsumerConfig, "maxRetries" | "deadLetterQueueId" | "queue" | "worker" | "retryDelay" | "visibilityTimeoutMs">;

const SETTINGS_TTL_MS = 1000;
const settingsCache = new Map<string, { settings: PullSettings; at: number }>();

/** The queue's consumer settings (whichever type declares them), else Cloudflare's defaults. */
async function settingsOf(db: Db, queueId: string, queue: string): Promise<PullSettings> {
  const hit = settingsCache.get(queueId);
  if (hit && Date.now() - hit.at < SETTINGS_TTL_MS) return hit.settings;
  const [consumer] = await loadConsumers(db, queueId);
  const settings: PullSettings = consumer ?? {
    queue,
    worker: "(pull)",
    maxRetries: CONSUMER_DEFAULTS.maxRetries,
    deadLetterQueueId: null,
    retryDelay: CONSUMER_DEFAULTS.retryDelay,
    visibilityTimeoutMs: null,
  };
  if (settingsCache.size > 10_000) settingsCache.clear();
  settingsCache.set(queueId, { settings, at: Date.now() });
  return settings;
}

export async function receive(db: Db, queueId: string, queue: string, batchSize: number, visibilityTimeoutMs?: number): Promise<PulledMessage[]> {
  const settings = await settingsOf(db, queueId, queue);
  const leaseMs = visibilityTimeoutMs ?? settings.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
  const leased = await leaseMessages(db, queueId, { limit: batchSize, leaseMs, batchTimeoutMs: 0, maxConcurrency: null });
  // Leases that ran out max_retries + 1 times count as failed deliveries: end of the line.
  const exhausted = leased.filter((message) => message.attempts > settings.maxRetries + 1);
  if (exhausted.length > 0) {
    const routed = routeFailures(
      settings,
      exhausted.map((message) => ({ ...message, attempts: settings.maxRetries + 1, delaySeconds: 0 })),
    );
    await settle(db, queueId, settings.deadLetterQueueId, { ack: [], ...routed });
  }
  return leased
    .filter((message) => message.attempts <= settings.maxRetries + 1)
    .map((message) => ({ ...message, leaseId: makeHandle(message.lease, message.id) }));
}

/** Idempotent: a handle whose message is gone (or leased to someone else since) is ignored. */
export async function acknowledge(db: Db, queueId: string, handles: string[]): Promise<number> {
  const held = handles.map(heldOf);
  return (await settle(db, queueId, null, { ack: held, retry: [], deadLetter: [], drop: [] })).acked;
}

/** Nack: deliverable again after `delaySeconds` (default retry_delay), unless out of retries. */
export async function retry(db: Db, queueId: string, queue: string, retries: { handle: string; delaySeconds?: number | undefined }[]): Promise<void> {
  if (retries.length === 0) return;
  const settings = await settingsOf(db, queueId, queue);
  const held = retries.map((r) => heldOf(r.handle));
  const rows = await db.query(QUEUE_SQL.held, [queueId, held.map((h) => h.id), held.map((h) => h.lease)]);
  const attempts = new Map(rows.map((row) => [`${row.id}:${row.lease}`, row.attempts]));
  const failed = retries.flatMap((r, i) => {
    const h = held[i] as Held;
    const tries = attempts.get(`${h.id}:${h.lease}`);
    if (tries === undefined) return [];
    return [{ ...h, contentType: "text" as const, body: new Uint8Array(), timestamp: 0, attempts: tries, delaySeconds: r.delaySeconds ?? settings.retryDelay }];
  });
  await settle(db, queueId, settings.deadLetterQueueId, { ack: [], ...routeFailures(settings, failed) });
}

/** Moves the end of a lease to `visibilityTimeoutMs` from now; false if the lease is no longer held. */
export async function changeVisibility(db: Db, queueId: string, handle: string, visibilityTimeoutMs: number): Promise<boolean> {
  const { id, lease } = heldOf(handle);
  return (await db.query(QUEUE_SQL.setVisibility, [queueId, id, lease, visibilityTimeoutMs])).length > 0;
}

function heldOf(handle: string): Held {
  const { lease, message } = parseHandle(handle);
  return { id: message, lease };
}
