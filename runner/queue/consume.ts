// Running a consumer's queue() handler on a leased batch: in this process through the Worker
// Loader, or, for a worker on probation, in the probation process (dispatch/probation.ts), where
// it waits its turn so that a stall there has one suspect. The lease stays with the dispatcher
// that took it, which renews it and settles the outcome either way. A forwarded batch travels as
// JSON: bodies base64-encoded, times as epoch ms.
import { invoke } from "../limits/invocations.ts";
import type { Env } from "../env.ts";
import { fromBase64, toBase64 } from "../encoding.ts";
import { loadVersion } from "../dispatch/loader.ts";
import { loggedCall } from "../logs/open.ts";
import { forwardEvent, forwardedRoute, runsApart } from "../dispatch/probation.ts";
import { type Route, invocationOf } from "../dispatch/routes.ts";
import { journaled } from "../logs/journal.ts";
import { deliveryBody } from "./codec.ts";
import type { ContentType } from "./constants.ts";
import type { QueueMetrics } from "./contract.ts";
import type { LeasedMessage } from "./store.ts";

/** What workerd reports after a queue() handler ran (Fetcher#queue with service_binding_extra_handlers). */
export interface QueueResult {
  outcome: string;
  ackAll: boolean;
  retryBatch: { retry: boolean; delaySeconds?: number };
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds?: number }[];
}

/** workerd's `Fetcher#queue()`; branded so that `getEntrypoint<T>()` can name it (workers-types' Fetcher has no `queue()`). */
interface QueueFetcher extends Rpc.WorkerEntrypointBranded {
  queue(queueName: string, messages: unknown[], metadata?: unknown): Promise<QueueResult>;
}

interface Batch {
  queue: string;
  messages: Omit<LeasedMessage, "lease">[];
  metrics: QueueMetrics;
}

/** A batch of a worker on probation, as forwarded to the probation process. */
interface ForwardedBatch {
  tenant: string;
  worker: string;
  version: string;
  queue: string;
  metrics: { backlogCount: number; backlogBytes: number; oldestMs: number | null };
  messages: { id: string; timestamp: number; attempts: number; contentType: ContentType; body: string }[];
}

/** Runs the consumer's queue() handler on the batch: here, or in the probation process while the worker is on probation. */
export function consume(env: Env, ctx: ExecutionContext, route: Route, batch: Batch): Promise<QueueResult> {
  if (!runsApart(env, route)) return consumeHere(env, ctx, route, route.versionId, batch);
  const { metrics } = batch;
  const forwarded: ForwardedBatch = {
    tenant: route.tenant,
    worker: route.worker,
    version: route.versionId,
    queue: batch.queue,
    metrics: { backlogCount: metrics.backlogCount, backlogBytes: metrics.backlogBytes, oldestMs: metrics.oldestMessageTimestamp?.getTime() ?? null },
    messages: batch.messages.map(({ id, timestamp, attempts, contentType, body }) => ({ id, timestamp, attempts, contentType, body: toBase64(body) })),
  };
  return forwardEvent<QueueResult>(env, route.worker, "queue", forwarded);
}

/** In the probation process: runs a batch a pool process forwarded (the payload comes from a runner, authenticated by the forward secret). */
export async function runForwardedBatch(env: Env, ctx: ExecutionContext, payload: unknown): Promise<QueueResult> {
  const batch = payload as ForwardedBatch;
  const route = await forwardedRoute(env, ctx, batch);
  const { oldestMs, ...counts } = batch.metrics;
  const metrics: QueueMetrics = oldestMs === null ? counts : { ...counts, oldestMessageTimestamp: new Date(oldestMs) };
  const messages = batch.messages.map((message) => ({ ...message, body: fromBase64(message.body) }));
  return consumeHere(env, ctx, route, batch.version, { queue: batch.queue, messages, metrics });
}

function consumeHere(env: Env, ctx: ExecutionContext, route: Route, versionId: string, { queue, messages, metrics }: Batch): Promise<QueueResult> {
  const batch = messages.map((message) => ({
    id: message.id,
    timestamp: new Date(message.timestamp),
    attempts: message.attempts,
    ...deliveryBody(message.contentType, message.body),
  }));
  const who = { tenant: route.tenant, worker: route.worker, version: versionId };
  return journaled(invocationOf(route, versionId), () =>
    invoke(env.CONFIG, route.tenant, route.worker, (invocation) =>
      loggedCall(env, ctx, route.sampling[versionId] ?? 0, invocation, who, { queue, batchSize: batch.length }, (props) =>
        loadVersion(env, ctx, route, versionId).getEntrypoint<QueueFetcher>(undefined, { props }).queue(queue, batch, { metrics }),
      ),
    ),
  );
}
