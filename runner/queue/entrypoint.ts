import { WorkerEntrypoint } from "cloudflare:workers";
import { z } from "zod/v4";
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { CONTENT_TYPES, QUEUE_ERROR_CODES } from "./constants.ts";
import { deliveryBody, deserializeV8, serializeV8, textBytes } from "./codec.ts";
import { acknowledge, changeVisibility, receive, retry } from "./pull.ts";
import { cachedMetrics, freshMetrics, type OutgoingMessage, storeMessages } from "./store.ts";
import { argumentParser } from "../errors.ts";
import { type SendOperation, checkBatch, checkDelay, checkMessageSize, checkPullBatchSize, checkVisibilityTimeout, sendError } from "./validate.ts";
import type { QueueMetrics, QueueProps, QueueRunner, QueueSendResponse, ReceivedMessage } from "./contract.ts";
import { storageDb, tenantFacing } from "../tenant-errors.ts";
import type { Db } from "../db/client.ts";

// The trust boundary: shapes here, Cloudflare's rules in validate.ts.
const WireMessageSchema = z
  .object({
    contentType: z.enum(CONTENT_TYPES),
    body: z.unknown(),
    delaySeconds: z.number().int().optional(),
  })
  .strict()
  .refine((message) => message.body !== undefined, "Message body cannot be undefined")
  .refine(
    (message) => (message.contentType === "bytes" ? message.body instanceof Uint8Array : message.contentType === "v8" || typeof message.body === "string"),
    "text and json bodies travel as strings, bytes as a Uint8Array",
  );
const WireBatchSchema = z.array(WireMessageSchema).min(1);
const HandleListSchema = z.array(z.string()).max(100);
const arg = argumentParser("queue");

/**
 * The queue binding's server side: producer (send, sendBatch, metrics) and pull consumer
 * (receive, ack, nack, visibility) for the one queue the props name (method names: see contract.ts).
 */
export class Queue extends WorkerEntrypoint<Env, QueueProps> implements QueueRunner {
  async sendMessages(operation: SendOperation, messages: unknown, batchDelaySeconds?: unknown): Promise<QueueSendResponse> {
    const op = arg(z.enum(["send", "sendBatch"]), operation);
    const wire = arg(WireBatchSchema, messages);
    const coded = this.ctx.props.errorCodes;
    const batchDelay = batchDelaySeconds === undefined ? undefined : checkDelay(op, arg(z.number().int(), batchDelaySeconds), coded, true);
    const v8Bodies = await serializeV8(
      this.env,
      wire.filter((message) => message.contentType === "v8").map((message) => message.body),
    );
    let v8Index = 0;
    const outgoing: OutgoingMessage[] = wire.map((message) => {
      let body: Uint8Array;
      if (message.contentType === "v8") body = v8Bodies[v8Index++] as Uint8Array;
      else if (message.contentType === "bytes") body = message.body as Uint8Array;
      else {
        if (message.contentType === "json") checkJson(message.body as string);
        body = textBytes(message.body as string);
      }
      return { contentType: message.contentType, body, delaySeconds: message.delaySeconds ?? batchDelay ?? this.ctx.props.deliveryDelay };
    });
    if (op === "send") checkMessageSize((outgoing[0] as OutgoingMessage).body.byteLength, coded);
    else
      checkBatch(
        outgoing.map((message) => message.body.byteLength),
        coded,
      );
    for (const message of outgoing) checkDelay(op, message.delaySeconds, coded);
    const db = this.#db();
    await storeMessages(db, this.ctx.props.queueId, outgoing, (promise) => this.ctx.waitUntil(promise));
    return { metadata: { metrics: await cachedMetrics(db, this.ctx, this.ctx.props.queueId) } };
  }

  async readMetrics(): Promise<QueueMetrics> {
    return freshMetrics(this.#db(), this.ctx.props.queueId);
  }

  async receiveMessages(batchSize: unknown, visibilityTimeoutMs?: unknown): Promise<ReceivedMessage[]> {
    const size = checkPullBatchSize(arg(z.number(), batchSize));
    const timeout = visibilityTimeoutMs === undefined ? undefined : checkVisibilityTimeout(arg(z.number(), visibilityTimeoutMs));
    const { queueId, queue } = this.ctx.props;
    const messages = await receive(this.#db(), queueId, queue, size, timeout);
    // workers-types has no `ctx.exports` (workerd's enable_ctx_exports).
    const v8 = await deserializeV8(
      this.ctx as unknown as { exports: unknown },
      messages.filter((m) => m.contentType === "v8").map((m) => m.body),
    );
    let v8Index = 0;
    return messages.map((message) => {
      const decoded = deliveryBody(message.contentType, message.body);
      const body = "body" in decoded ? decoded.body : v8[v8Index++];
      return { id: message.id, timestamp: new Date(message.timestamp), body, attempts: message.attempts, leaseId: message.leaseId };
    });
  }

  async acknowledge(leaseIds: unknown): Promise<number> {
    return acknowledge(this.#db(), this.ctx.props.queueId, arg(HandleListSchema, leaseIds));
  }

  async release(leaseIds: unknown, delaySeconds?: unknown): Promise<void> {
    const handles = arg(HandleListSchema, leaseIds);
    const delay = delaySeconds === undefined ? undefined : checkDelay("send", arg(z.number().int(), delaySeconds), this.ctx.props.errorCodes);
    await retry(
      this.#db(),
      this.ctx.props.queueId,
      this.ctx.props.queue,
      handles.map((handle) => ({ handle, delaySeconds: delay })),
    );
  }

  async extendLease(leaseId: unknown, visibilityTimeoutMs: unknown): Promise<boolean> {
    const timeout = checkVisibilityTimeout(arg(z.number(), visibilityTimeoutMs));
    return changeVisibility(this.#db(), this.ctx.props.queueId, arg(z.string(), leaseId), timeout);
  }

  #db(): Db {
    return storageDb(database(this.env, this.ctx.props.tenant));
  }
}

/** The binding's method names, as errors name them ("Queue send failed: …"); the pull methods are Outpost's. */
const QUEUE_OPERATIONS: Record<string, string> = {
  readMetrics: "metrics",
  receiveMessages: "receive",
  acknowledge: "ack",
  release: "nack",
  extendLease: "changeVisibility",
};

// workerd words a failed send "Queue send failed: <status text>", or, with queue_expose_error_codes,
// Cloudflare's "Unknown Internal Error (15000)".
tenantFacing<QueueProps>(Queue, {
  binding: "queue",
  operation: (method, args) => (method === "sendMessages" ? String(args[0]) : (QUEUE_OPERATIONS[method] ?? method)),
  internal: (operation, { errorCodes }) =>
    sendError(operation, errorCodes ? "Unknown Internal Error" : "Internal Server Error", QUEUE_ERROR_CODES.INTERNAL, errorCodes),
});

/** A json body must be JSON text (the shim stringifies it; a crafted call might not). */
function checkJson(text: string): void {
  try {
    JSON.parse(text);
  } catch {
    throw new TypeError("A json message body must be JSON text.");
  }
}
