// env.QUEUE in tenant isolates: Cloudflare's Queue producer (send, sendBatch, metrics) over the
// runner's Queue entrypoint, plus the pull-consumer methods (receive, ack, nack,
// changeVisibility). Bodies are encoded here, in the tenant's isolate, exactly where workerd's
// binding encodes them (toJSON and friends run in the sender's realm); the runner re-checks
// everything and serializes `v8` bodies with workerd's own serializer.
import type { ContentType } from "../runner/queue/constants.ts";
import type { QueueMetrics, QueueRunner, QueueSendResponse, QueueWireMessage, ReceivedMessage } from "../runner/queue/contract.ts";
import { parseContentType } from "../runner/queue/validate.ts";
import { toInt32 } from "../runner/webidl.ts";

type Flags = Record<string, boolean | undefined>;

/** workerd's `queues_json_messages` (on from 2024-03-18): json, not v8, when no contentType is given. */
function defaultContentType(): ContentType {
  const flags = (globalThis as { Cloudflare?: { compatibilityFlags?: Flags } }).Cloudflare?.compatibilityFlags ?? {};
  return flags.queues_json_messages === false ? "v8" : "json";
}

export class WorkerQueue implements Queue<unknown> {
  readonly #runner: QueueRunner;

  constructor(runner: QueueRunner) {
    this.#runner = runner;
  }

  async send(body: unknown, options?: QueueSendOptions): Promise<QueueSendResponse> {
    const opts = dictionary(options, "send", 2, "SendOptions");
    const delaySeconds = opts.delaySeconds === undefined ? undefined : toInt32(opts.delaySeconds);
    const message = encode(body, opts.contentType, delaySeconds);
    return this.#runner.sendMessages("send", [message]);
  }

  async sendBatch(messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions): Promise<QueueSendBatchResponse> {
    if (messages === null || messages === undefined || typeof (messages as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw new TypeError("Failed to execute 'sendBatch' on 'WorkerQueue': parameter 1 is not of type 'Sequence'.");
    }
    const requests = [...messages].map((request) => {
      if (request !== null && request !== undefined && typeof request !== "object" && typeof request !== "function") {
        throw new TypeError("Incorrect type: the provided value is not of type 'MessageSendRequest'.");
      }
      const { body, contentType, delaySeconds } = (request ?? {}) as MessageSendRequest;
      return { body, contentType, delaySeconds: delaySeconds === undefined ? undefined : toInt32(delaySeconds) };
    });
    const opts = dictionary(options, "sendBatch", 2, "SendBatchOptions");
    const batchDelay = opts.delaySeconds === undefined ? undefined : toInt32(opts.delaySeconds);
    if (requests.length === 0) throw new TypeError("sendBatch() requires at least one message");
    const wire = requests.map((request) => encode(request.body, request.contentType, request.delaySeconds));
    return batchDelay === undefined ? this.#runner.sendMessages("sendBatch", wire) : this.#runner.sendMessages("sendBatch", wire, batchDelay);
  }

  metrics(): Promise<QueueMetrics> {
    return this.#runner.readMetrics();
  }

  /**
   * Outpost extension (pull consumer): leases up to `batchSize` (1-10) messages for
   * `visibilityTimeoutMs` (default 30 s, or the consumer's visibility_timeout_ms). Each comes
   * with a `leaseId` for ack/nack/changeVisibility.
   */
  async receive(options: number | { batchSize?: number; visibilityTimeoutMs?: number } = {}): Promise<ReceivedMessage[]> {
    const { batchSize = 1, visibilityTimeoutMs } = typeof options === "number" ? { batchSize: options } : (options ?? {});
    return visibilityTimeoutMs === undefined
      ? this.#runner.receiveMessages(Number(batchSize))
      : this.#runner.receiveMessages(Number(batchSize), Number(visibilityTimeoutMs));
  }

  /** Outpost extension: acknowledges (deletes) received messages. Idempotent. */
  async ack(leaseIds: string | string[]): Promise<void> {
    await this.#runner.acknowledge(list(leaseIds));
  }

  /** Outpost extension: hands the messages back, deliverable again after `delaySeconds` (default the consumer's retry_delay). */
  async nack(leaseIds: string | string[], options?: { delaySeconds?: number }): Promise<void> {
    const delay = options?.delaySeconds;
    await (delay === undefined ? this.#runner.release(list(leaseIds)) : this.#runner.release(list(leaseIds), toInt32(delay)));
  }

  /** Outpost extension: the lease now ends `visibilityTimeoutMs` from now; false if it was lost. */
  changeVisibility(leaseId: string, visibilityTimeoutMs: number): Promise<boolean> {
    return this.#runner.extendLease(String(leaseId), Number(visibilityTimeoutMs));
  }
}

export function makeQueueBinding(runner: QueueRunner): WorkerQueue {
  return new WorkerQueue(runner);
}

function list(leaseIds: string | string[]): string[] {
  return (Array.isArray(leaseIds) ? leaseIds : [leaseIds]).map(String);
}

/** A WebIDL dictionary argument: undefined, null or an object. */
function dictionary<T extends object>(value: T | undefined, method: string, position: number, type: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeError(`Failed to execute '${method}' on 'WorkerQueue': parameter ${position} is not of type '${type}'.`);
  }
  return value;
}

/** workerd's serialize() for each content type, with its messages. */
function encode(body: unknown, contentType: unknown, delaySeconds: number | undefined): QueueWireMessage {
  if (body === undefined) throw new TypeError("Message body cannot be undefined");
  const type = contentType === undefined ? defaultContentType() : parseContentType(contentType);
  const message = (encoded: unknown): QueueWireMessage =>
    delaySeconds === undefined ? { contentType: type, body: encoded } : { contentType: type, body: encoded, delaySeconds };
  switch (type) {
    case "text":
      if (typeof body !== "string") throw new TypeError(`Content Type "text" requires a value of type string, but received: ${typeof body}`);
      return message(body);
    case "bytes":
      if (!ArrayBuffer.isView(body)) throw new TypeError(`Content Type "bytes" requires a value of type ArrayBufferView, but received: ${typeof body}`);
      return message(new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)));
    case "json": {
      const json = JSON.stringify(body);
      if (json === undefined) throw new TypeError(`Message body of type ${typeof body} cannot be serialized as JSON`);
      return message(json);
    }
    case "v8":
      // What V8's serializer refuses (functions, symbols…) fails here with its DataCloneError,
      // before anything crosses to the runner (where RPC would turn a function into a stub).
      return message(structuredClone(body));
  }
}
