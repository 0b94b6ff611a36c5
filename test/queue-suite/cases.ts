// The queue behaviour suite: written once against Cloudflare's Queue API and run twice, on
// Miniflare's queues (the reference) and on Outpost's (test/integration/queues-suite.test.js).
// Both run it at compatibility date 2026-01-01, before `queue_expose_error_codes`: Miniflare's
// broker sends no error code, so from that date on its limit errors all read "Unknown Internal
// Error (15000)". Each case tags its messages so cases never see each other's.
import assert from "node:assert/strict";

export interface Received {
  queue: string;
  id: string;
  timestamp: Date;
  body: unknown;
  attempts: number;
  batchSize: number;
  metadata: MessageBatchMetadata | undefined;
}

export interface SuiteBinding {
  queue: Queue;
  received: Received[];
}

type Case = (suite: SuiteBinding) => Promise<void>;

async function rejects(promise: Promise<unknown>, name: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.message, message);
    assert.equal(error.name, name);
    return true;
  });
}

/** Waits (bounded) until the consumer has been handed a message matching `match`. */
async function delivered(suite: SuiteBinding, match: (message: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = suite.received.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error("the message was not delivered in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const tagged = (tag: string) => (message: Received) =>
  typeof message.body === "object" && message.body !== null && (message.body as { tag?: unknown }).tag === tag;

const text = (length: number) => "x".repeat(length);

export const queueCases: Record<string, Case> = {
  "send: a json body arrives as sent, with an id, a timestamp and attempts 1": async (suite) => {
    const result = await suite.queue.send({ tag: "json", n: 1, nested: [true, null, "é"] });
    assert.equal(typeof result.metadata.metrics.backlogCount, "number");
    assert.equal(typeof result.metadata.metrics.backlogBytes, "number");
    const message = await delivered(suite, tagged("json"));
    assert.deepEqual(message.body, { tag: "json", n: 1, nested: [true, null, "é"] });
    assert.equal(message.queue, "suite");
    assert.ok(/^[0-9a-f]{32}$/.test(message.id), message.id);
    assert.ok(message.timestamp instanceof Date);
    assert.equal(message.attempts, 1);
    assert.equal(typeof message.metadata?.metrics.backlogCount, "number");
    assert.equal(typeof message.metadata?.metrics.backlogBytes, "number");
  },

  "send: a text body arrives as a string": async (suite) => {
    await suite.queue.send("text: héllo ✓", { contentType: "text" });
    const message = await delivered(suite, (m) => m.body === "text: héllo ✓");
    assert.equal(message.attempts, 1);
  },

  "send: the content type is case-insensitive": async (suite) => {
    await suite.queue.send("upper-case TEXT", { contentType: "TEXT" as QueueContentType });
    await delivered(suite, (m) => m.body === "upper-case TEXT");
  },

  "send: a bytes body arrives as an ArrayBuffer with the same bytes": async (suite) => {
    await suite.queue.send(new Uint8Array([0, 1, 2, 250, 251, 252, 7]).subarray(1), { contentType: "bytes" });
    const message = await delivered(suite, (m) => m.body instanceof ArrayBuffer && new Uint8Array(m.body)[0] === 1 && m.body.byteLength === 6);
    assert.deepEqual([...new Uint8Array(message.body as ArrayBuffer)], [1, 2, 250, 251, 252, 7]);
  },

  "send: a v8 body keeps Map, Set, Date, BigInt and typed arrays": async (suite) => {
    const body = { tag: "v8", map: new Map([["k", new Date(5)]]), set: new Set([1, 2]), big: 2n ** 70n, bytes: new Uint16Array([1, 65535]) };
    await suite.queue.send(body, { contentType: "v8" });
    const message = await delivered(suite, tagged("v8"));
    const got = message.body as typeof body;
    assert.ok(got.map instanceof Map);
    assert.equal((got.map.get("k") as Date).getTime(), 5);
    assert.deepEqual([...got.set], [1, 2]);
    assert.equal(got.big, 2n ** 70n);
    assert.ok(got.bytes instanceof Uint16Array);
    assert.deepEqual([...got.bytes], [1, 65535]);
  },

  "sendBatch: every message arrives, with its own content type": async (suite) => {
    const result = await suite.queue.sendBatch([
      { body: { tag: "batch-1" } },
      { body: "batch-2", contentType: "text" },
      { body: { tag: "batch-3" }, contentType: "json" },
    ]);
    assert.equal(typeof result.metadata.metrics.backlogCount, "number");
    await delivered(suite, tagged("batch-1"));
    await delivered(suite, (m) => m.body === "batch-2");
    await delivered(suite, tagged("batch-3"));
  },

  "metrics: backlog count and bytes are numbers": async (suite) => {
    const metrics = await suite.queue.metrics();
    assert.equal(typeof metrics.backlogCount, "number");
    assert.equal(typeof metrics.backlogBytes, "number");
  },

  "retry(): the message comes back with attempts 2": async (suite) => {
    await suite.queue.send({ tag: "retry", retryOnce: true });
    const again = await delivered(suite, (m) => tagged("retry")(m) && m.attempts === 2);
    const first = suite.received.find((m) => tagged("retry")(m) && m.attempts === 1);
    assert.equal(again.id, first?.id);
    assert.equal(again.timestamp.getTime(), first?.timestamp.getTime());
  },

  "retryAll(): every message of the batch comes back": async (suite) => {
    await suite.queue.sendBatch([{ body: { tag: "retry-all-1", retryAllOnce: true } }, { body: { tag: "retry-all-2" } }]);
    await delivered(suite, (m) => tagged("retry-all-1")(m) && m.attempts === 2);
    await delivered(suite, (m) => tagged("retry-all-2")(m) && m.attempts === 2);
  },

  "a handler that throws: the batch is delivered again": async (suite) => {
    await suite.queue.send({ tag: "throw", throwOnce: true });
    await delivered(suite, (m) => tagged("throw")(m) && m.attempts === 2);
  },

  "send: a delay of up to 12 hours is accepted": async (suite) => {
    await suite.queue.send({ tag: "later" }, { delaySeconds: 43_200 });
    await suite.queue.sendBatch([{ body: { tag: "later-batch" } }], { delaySeconds: 43_200 });
  },

  "send: an undefined body is refused": async (suite) => {
    await rejects(suite.queue.send(undefined), "TypeError", "Message body cannot be undefined");
  },

  "send: an unknown content type is refused": async (suite) => {
    await rejects(suite.queue.send("x", { contentType: "xml" as QueueContentType }), "TypeError", "Unsupported queue message content type: xml");
    await rejects(suite.queue.send("x", { contentType: null as unknown as QueueContentType }), "TypeError", "Unsupported queue message content type: null");
  },

  "send: text needs a string": async (suite) => {
    await rejects(suite.queue.send(1, { contentType: "text" }), "TypeError", 'Content Type "text" requires a value of type string, but received: number');
  },

  "send: bytes need an ArrayBufferView": async (suite) => {
    await rejects(
      suite.queue.send("s", { contentType: "bytes" }),
      "TypeError",
      'Content Type "bytes" requires a value of type ArrayBufferView, but received: string',
    );
    await rejects(
      suite.queue.send(new ArrayBuffer(4), { contentType: "bytes" }),
      "TypeError",
      'Content Type "bytes" requires a value of type ArrayBufferView, but received: object',
    );
  },

  "send: json that cannot be serialized is refused": async (suite) => {
    await rejects(suite.queue.send({ n: 1n }, { contentType: "json" }), "TypeError", "Do not know how to serialize a BigInt");
  },

  "send: a v8 body that cannot be cloned is refused": async (suite) => {
    await rejects(suite.queue.send({ s: Symbol("s") }, { contentType: "v8" }), "DataCloneError", "Symbol(s) could not be cloned.");
  },

  "send: options must be an object": async (suite) => {
    await rejects(
      suite.queue.send("x", "text" as unknown as QueueSendOptions),
      "TypeError",
      "Failed to execute 'send' on 'WorkerQueue': parameter 2 is not of type 'SendOptions'.",
    );
  },

  "send: delaySeconds beyond 32 bits is refused": async (suite) => {
    await rejects(
      suite.queue.send("x", { delaySeconds: 2 ** 32 + 1 }),
      "TypeError",
      "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).",
    );
  },

  "send: 128000 bytes is the largest message": async (suite) => {
    await suite.queue.send(text(128_000), { contentType: "text" });
    await rejects(
      suite.queue.send(text(128_001), { contentType: "text" }),
      "Error",
      "Queue send failed: message length of 128001 bytes exceeds limit of 128000",
    );
  },

  "sendBatch: an empty batch is refused": async (suite) => {
    await rejects(suite.queue.sendBatch([]), "TypeError", "sendBatch() requires at least one message");
  },

  "sendBatch: the messages must be a sequence of MessageSendRequests": async (suite) => {
    await rejects(
      suite.queue.sendBatch(5 as unknown as MessageSendRequest[]),
      "TypeError",
      "Failed to execute 'sendBatch' on 'WorkerQueue': parameter 1 is not of type 'Sequence'.",
    );
    await rejects(
      suite.queue.sendBatch(["a"] as unknown as MessageSendRequest[]),
      "TypeError",
      "Incorrect type: the provided value is not of type 'MessageSendRequest'.",
    );
    await rejects(suite.queue.sendBatch([{ notBody: 1 } as unknown as MessageSendRequest]), "TypeError", "Message body cannot be undefined");
  },

  "sendBatch: at most 100 messages": async (suite) => {
    await rejects(
      suite.queue.sendBatch(Array.from({ length: 101 }, () => ({ body: "x", contentType: "text" as const }))),
      "Error",
      "Queue sendBatch failed: batch message count of 101 exceeds limit of 100",
    );
  },

  "sendBatch: at most 128 KB per message": async (suite) => {
    await rejects(
      suite.queue.sendBatch([{ body: text(128_001), contentType: "text" }]),
      "Error",
      "Queue sendBatch failed: message in batch has length 128001 bytes which exceeds single message size limit of 128000",
    );
  },

  "sendBatch: at most 256 KB in all": async (suite) => {
    await rejects(
      suite.queue.sendBatch(Array.from({ length: 3 }, () => ({ body: text(100_000), contentType: "text" as const }))),
      "Error",
      "Queue sendBatch failed: batch size of 300000 bytes exceeds limit of 256000",
    );
  },
};
