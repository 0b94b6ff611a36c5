// Queues beyond what Miniflare can be compared on (see queues-suite.test.js for that): retries
// and the dead-letter queue, explicit acks when a handler throws, delays, batching settings,
// max_concurrency, pull consumers, the operator view, Cloudflare's coded errors, bad input and
// tenant isolation. One host; everything is observed through the API a user has.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// POST /do {binding, op, args}: runs env[binding][op](...args). GET /log: what queue() was handed.
// The consumer acts on flags in json bodies: failAlways, ackThenThrow, retryDelay, sleepMs.
// With raw: true, calls go to the platform's raw RPC stubs, as an attacker gets them (a specifier
// the bundler cannot see reaches the built-in cloudflare:workers, not the shims); they take the
// invocation's token first, as the shims send it.
const APP = `const builtin = () => import(["cloudflare", "workers"].join(":"));
const log = [];
const running = {};
const peak = {};
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/log") return Response.json({ log, peak });
    const { binding, op, args = [], raw = false } = await request.json();
    try {
      let result = raw ? await (await builtin()).env[binding][op](ctx.props.invocation, ...args) : await env[binding][op](...args);
      if (Array.isArray(result)) result = result.map((m) => m && m.body instanceof Map ? { ...m, body: { map: [...m.body] } } : m);
      return Response.json({ result: result ?? null });
    } catch (error) {
      return Response.json({ error: error.name + ": " + error.message });
    }
  },
  async queue(batch, env) {
    running[batch.queue] = (running[batch.queue] ?? 0) + 1;
    peak[batch.queue] = Math.max(peak[batch.queue] ?? 0, running[batch.queue]);
    try {
      let fail = false;
      for (const message of batch.messages) {
        log.push({ queue: batch.queue, id: message.id, body: message.body, attempts: message.attempts, batch: batch.messages.length });
        const flags = typeof message.body === "object" && message.body !== null ? message.body : {};
        if (flags.failAlways) fail = true;
        if (flags.ackThenThrow) { message.ack(); fail = true; }
        if (flags.retryDelay !== undefined && message.attempts === 1) message.retry({ delaySeconds: flags.retryDelay });
        if (flags.sleepMs) await new Promise((resolve) => setTimeout(resolve, flags.sleepMs));
      }
      if (fail) throw new Error("failing on purpose");
    } finally {
      running[batch.queue]--;
    }
  },
};`;

const QUEUES = {
  producers: {
    JOBS: { queue: "jobs" },
    DROPS: { queue: "drops" },
    DELAYED: { queue: "delayed", deliveryDelay: 2 },
    BATCHED: { queue: "batched" },
    PULL: { queue: "pulled" },
  },
  consumers: [
    { queue: "jobs", maxBatchTimeout: 0, maxRetries: 2, deadLetterQueue: "jobs-dlq" },
    { queue: "drops", maxBatchTimeout: 0, maxRetries: 1 },
    { queue: "delayed", maxBatchTimeout: 0 },
    { queue: "batched", maxBatchSize: 10, maxBatchTimeout: 1, maxConcurrency: 1 },
    { queue: "pulled", type: "http_pull", maxRetries: 5 },
  ],
};

/** @param {string} binding @param {string} op @param {unknown[]} [args] @param {{ worker?: string, raw?: boolean }} [options] */
async function call(binding, op, args = [], { worker = "app", raw = false } = {}) {
  const response = await platform.fetchWorker(worker, "/do", { method: "POST", body: JSON.stringify({ binding, op, args, raw }) });
  return JSON.parse(response.text);
}

/** @returns {Promise<{ log: { queue: string, id: string, body: any, attempts: number, batch: number }[], peak: Record<string, number> }>} */
async function consumerLog(worker = "app") {
  return JSON.parse((await platform.fetchWorker(worker, "/log")).text);
}

/** @param {(entry: { queue: string, id: string, body: any, attempts: number, batch: number }) => boolean} match */
async function waitForDelivery(match, timeoutMs = 20_000) {
  await waitUntil(async () => (await consumerLog()).log.some(match), timeoutMs);
  return (await consumerLog()).log.filter(match);
}

/** @param {string} name @param {string} [query] */
async function queueRow(name, query = "") {
  const { body } = await platform.admin("GET", `/v1/queues${query}`);
  return body.queues.find((/** @type {{ name: string }} */ q) => q.name === name);
}

/** @param {unknown} body @param {string} tag */
const tagged = (body, tag) => typeof body === "object" && body !== null && /** @type {{ tag?: string }} */ (body).tag === tag;

beforeAll(async () => {
  // One workerd process: the test worker keeps its log in isolate memory, and each process has its own isolate.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  await platform.deploy("app", await workerFile(APP), { queues: QUEUES });
});
afterAll(() => platform?.stop());

describe("retries and the dead-letter queue", () => {
  it("retries: a message that keeps failing is tried max_retries + 1 times, then moves to the dead-letter queue whole", async () => {
    await call("JOBS", "send", [{ tag: "doomed", failAlways: true }]);
    const id = (await waitForDelivery((e) => tagged(e.body, "doomed") && e.attempts === 3))[0]?.id;
    await waitUntil(async () => (await queueRow("jobs"))?.deadLettered === 1, 10_000);
    const pulled = await platform.admin("POST", "/v1/queues/jobs-dlq/messages/pull", { batch_size: 10 });
    expect(pulled.body.messages).toEqual([
      {
        id,
        timestamp_ms: expect.any(Number),
        attempts: 1,
        contentType: "json",
        body: JSON.stringify({ tag: "doomed", failAlways: true }),
        lease_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    const attempts = (await consumerLog()).log.filter((e) => tagged(e.body, "doomed")).map((e) => e.attempts);
    expect(attempts).toEqual([1, 2, 3]);
    expect((await queueRow("jobs")).depth).toBe(0);
  });

  it("retries: without a dead-letter queue the message is dropped, with a log line", async () => {
    await call("DROPS", "send", [{ tag: "dropped", failAlways: true }]);
    const id = (await waitForDelivery((e) => tagged(e.body, "dropped") && e.attempts === 2))[0]?.id;
    await waitUntil(async () => (await queueRow("drops"))?.dropped === 1, 10_000);
    const warning = `queue drops: dropped message ${id} after 2 failed attempts (no dead_letter_queue configured)`;
    expect(platform.events()).toContainEqual(expect.objectContaining({ level: "warn", src: "runner", msg: warning }));
    expect((await queueRow("drops")).depth).toBe(0);
  });

  it("a handler that throws retries every message of the batch it did not explicitly ack", async () => {
    await call("JOBS", "sendBatch", [[{ body: { tag: "acked-before-throw", ackThenThrow: true } }, { body: { tag: "not-acked" } }]]);
    await waitForDelivery((e) => tagged(e.body, "not-acked") && e.attempts === 2);
    const { log } = await consumerLog();
    expect(log.filter((e) => tagged(e.body, "acked-before-throw")).map((e) => e.attempts)).toEqual([1]);
  });

  it("retry({ delaySeconds }): the message waits as delayed before its next attempt", async () => {
    await call("JOBS", "send", [{ tag: "retry-later", retryDelay: 3 }]);
    await waitForDelivery((e) => tagged(e.body, "retry-later") && e.attempts === 1);
    await waitUntil(async () => (await queueRow("jobs"))?.delayed === 1, 5_000);
    expect((await consumerLog()).log.filter((e) => tagged(e.body, "retry-later")).map((e) => e.attempts)).toEqual([1]);
    await waitForDelivery((e) => tagged(e.body, "retry-later") && e.attempts === 2);
  });
});

describe("delays and batching", () => {
  it("delays: delaySeconds on send and sendBatch, and the producer's delivery_delay, hold messages back", async () => {
    await call("JOBS", "send", [{ tag: "send-delay" }, { delaySeconds: 2 }]);
    await call("JOBS", "sendBatch", [[{ body: { tag: "batch-delay" } }], { delaySeconds: 2 }]);
    await call("DELAYED", "send", [{ tag: "producer-delay" }]);
    expect((await queueRow("jobs")).delayed).toBe(2);
    expect((await queueRow("delayed")).delayed).toBe(1);
    expect((await consumerLog()).log.filter((e) => ["send-delay", "batch-delay", "producer-delay"].some((tag) => tagged(e.body, tag)))).toEqual([]);
    for (const tag of ["send-delay", "batch-delay", "producer-delay"]) await waitForDelivery((e) => tagged(e.body, tag) && e.attempts === 1);
  });

  it("max_batch_size, max_batch_timeout, max_concurrency: 25 messages come in batches of at most 10, one batch at a time; 3 wait for the timeout and come together", async () => {
    await call("BATCHED", "sendBatch", [Array.from({ length: 25 }, (_, i) => ({ body: { tag: "many", i, sleepMs: 50 } }))]);
    await waitUntil(async () => (await consumerLog()).log.filter((e) => tagged(e.body, "many")).length === 25, 20_000);
    const { log, peak } = await consumerLog();
    const many = log.filter((e) => tagged(e.body, "many"));
    expect(Math.max(...many.map((e) => e.batch))).toBe(10);
    expect(new Set(many.map((e) => e.body.i)).size).toBe(25);
    expect(peak.batched).toBe(1);
    await call("BATCHED", "sendBatch", [[0, 1, 2].map((i) => ({ body: { tag: "three", i } }))]);
    const three = await waitForDelivery((e) => tagged(e.body, "three"));
    expect(three.map((e) => e.batch)).toEqual([3, 3, 3]);
  });
});

describe("pull consumers", () => {
  it("receive leases messages once; ack is idempotent; nack and a visibility change make them deliverable again", async () => {
    await call("PULL", "sendBatch", [["a", "b", "c"].map((tag) => ({ body: { tag } }))]);
    const first = (await call("PULL", "receive", [2])).result;
    expect(first.map((/** @type {any} */ m) => m.body.tag)).toEqual(["a", "b"]);
    expect(first[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      timestamp: expect.any(String),
      body: { tag: "a" },
      attempts: 1,
      leaseId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const second = (await call("PULL", "receive", [{ batchSize: 10 }])).result;
    expect(second.map((/** @type {any} */ m) => m.body.tag)).toEqual(["c"]); // a and b are leased
    const [a, b] = first;
    expect(await call("PULL", "ack", [a.leaseId])).toEqual({ result: null });
    expect(await call("PULL", "ack", [a.leaseId])).toEqual({ result: null }); // again: no error, no effect
    await call("PULL", "nack", [b.leaseId]);
    expect(await call("PULL", "changeVisibility", [second[0].leaseId, 0])).toEqual({ result: true });
    const again = (await call("PULL", "receive", [10])).result;
    expect(again.map((/** @type {any} */ m) => [m.body.tag, m.attempts]).sort()).toEqual([
      ["b", 2],
      ["c", 2],
    ]);
    // The old lease of c is gone: acking with it does nothing, the new one acks.
    await call("PULL", "ack", [second[0].leaseId]);
    expect((await call("PULL", "changeVisibility", [second[0].leaseId, 1000])).result).toBe(false);
    await call("PULL", "ack", [again.map((/** @type {any} */ m) => m.leaseId)]);
    expect((await queueRow("pulled")).depth).toBe(0);
  });

  it("receive: a v8 body comes back as the value sent", async () => {
    // JSON cannot carry a Map to the worker, so the worker-side test sends one it builds itself.
    const source = `export default { async fetch(request, env) {
      await env.PULL.send(new Map([["k", 1n]]), { contentType: "v8" });
      const [message] = await env.PULL.receive(1);
      await env.PULL.ack(message.leaseId);
      return new Response(message.body instanceof Map && message.body.get("k") === 1n ? "map" : "no: " + String(message.body));
    } };`;
    await platform.deploy("v8-puller", await workerFile(source), { queues: { producers: { PULL: { queue: "v8-pulled" } } } });
    expect((await platform.fetchWorker("v8-puller", "/")).text).toBe("map");
  });

  it("pull over the admin API: an expired lease is redelivered with attempts + 1", async () => {
    await platform.admin("POST", "/v1/queues/pulled/messages", { messages: [{ body: { tag: "short-lease" } }] });
    const [leased] = (await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 1, visibility_timeout_ms: 200 })).body.messages;
    expect(JSON.parse(leased.body)).toEqual({ tag: "short-lease" });
    /** @type {any} */
    let redelivered;
    await waitUntil(async () => {
      [redelivered] = (await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 1 })).body.messages;
      return redelivered !== undefined;
    }, 10_000);
    expect([redelivered.id, redelivered.attempts]).toEqual([leased.id, 2]);
    const acked = await platform.admin("POST", "/v1/queues/pulled/messages/ack", { acks: [{ lease_id: leased.lease_id }, { lease_id: redelivered.lease_id }] });
    expect(acked.body).toEqual({ ackCount: 1, retryCount: 0 }); // the expired lease acks nothing
  });

  it("pull over the admin API: text, json and base64 bytes bodies; retries go back to the queue", async () => {
    const published = await platform.admin("POST", "/v1/queues/pulled/messages", {
      messages: [{ body: "plain", contentType: "text" }, { body: { n: 1 } }, { body: Buffer.from([1, 2, 255]).toString("base64"), contentType: "bytes" }],
    });
    expect(published).toEqual({ status: 201, body: { sent: 3 } });
    const { messages } = (await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 10 })).body;
    expect(messages.map((/** @type {any} */ m) => [m.contentType, m.body])).toEqual([
      ["text", "plain"],
      ["json", '{"n":1}'],
      ["bytes", "AQL/"],
    ]);
    const [text, json, bytes] = messages;
    const result = await platform.admin("POST", "/v1/queues/pulled/messages/ack", {
      acks: [{ lease_id: text.lease_id }, { lease_id: json.lease_id }],
      retries: [{ lease_id: bytes.lease_id }],
    });
    expect(result.body).toEqual({ ackCount: 2, retryCount: 1 });
    const [back] = (await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 10 })).body.messages;
    expect([back.id, back.attempts, back.body]).toEqual([bytes.id, 2, "AQL/"]);
    await platform.admin("POST", "/v1/queues/pulled/messages/ack", { acks: [{ lease_id: back.lease_id }] });
  });
});

describe("errors and bad input", () => {
  it("send: limit errors carry Cloudflare's error code from compatibility date 2026-03-12", async () => {
    expect(await call("JOBS", "send", ["x".repeat(128_001), { contentType: "text" }])).toEqual({
      error: "Error: message length of 128001 bytes exceeds limit of 128000 bytes (10204)",
    });
    expect(await call("JOBS", "sendBatch", [Array.from({ length: 3 }, () => ({ body: "x".repeat(100_000), contentType: "text" }))])).toEqual({
      error: "Error: batch size of 300000 bytes exceeds limit of 256000 bytes (10205)",
    });
    expect(await call("JOBS", "sendBatch", [Array.from({ length: 101 }, () => ({ body: 1 }))])).toEqual({
      error: "Error: batch message count of 101 exceeds limit of 100 (10206)",
    });
    expect(await call("JOBS", "send", [1, { delaySeconds: 43_201 }])).toEqual({
      error: "Error: message delay 43201 is invalid: it must be between 0 and 43200 seconds (10203)",
    });
    expect(await call("JOBS", "sendBatch", [[{ body: 1 }], { delaySeconds: -1 }])).toEqual({
      error: "Error: message delay -1 is invalid: it must be between 0 and 43200 seconds (10202)",
    });
  });

  it("receive, ack, nack: bad arguments are refused", async () => {
    expect(await call("PULL", "receive", [0])).toEqual({ error: "RangeError: batchSize must be a whole number from 1 to 10, got 0." });
    expect(await call("PULL", "receive", [11])).toEqual({ error: "RangeError: batchSize must be a whole number from 1 to 10, got 11." });
    expect(await call("PULL", "receive", [{ batchSize: 1, visibilityTimeoutMs: 43_200_001 }])).toEqual({
      error: "RangeError: visibility timeout must be a whole number of milliseconds from 0 to 43200000 (12 hours), got 43200001.",
    });
    expect(await call("PULL", "ack", ["not-a-lease"])).toEqual({ error: "TypeError: Invalid lease id: pass a leaseId returned by receive() unchanged." });
    expect(await call("PULL", "nack", ["f".repeat(64), { delaySeconds: 43_201 }])).toMatchObject({
      error: expect.stringContaining("message delay 43201 is invalid"),
    });
  });

  it("deploy: bad queue settings and crons are refused with what to change, and nothing is stored", async () => {
    const bundle = await bundleWorker(await workerFile(`export default { fetch() { return new Response("x"); } };`));
    /** @param {Record<string, unknown>} extra */
    const deploy = async (extra) => (await platform.admin("PUT", "/v1/workers/bad-queues", { ...bundle, ...extra })).body.error?.message;
    expect(await deploy({ queues: { consumers: [{ queue: "q", maxBatchSize: 101 }] } })).toBe(
      "body.queues.consumers.0.maxBatchSize: Too big: expected number to be <=100",
    );
    expect(await deploy({ queues: { consumers: [{ queue: "q", maxRetries: -1 }] } })).toBe(
      "body.queues.consumers.0.maxRetries: Too small: expected number to be >=0",
    );
    expect(await deploy({ queues: { consumers: [{ queue: "q", deadLetterQueue: "q" }] } })).toBe(
      "body.queues.consumers.0: A queue cannot be its own dead-letter queue.",
    );
    expect(await deploy({ queues: { consumers: [{ queue: "q" }, { queue: "q" }] } })).toBe(
      "body.queues.consumers: Queue q has two consumers; a queue has one.",
    );
    expect(await deploy({ queues: { producers: { Q: { queue: "bad name" } } } })).toBe(
      "body.queues.producers.Q.queue: Queue names are 1-63 letters, digits, '_' and '-', starting with a letter or digit.",
    );
    expect(await deploy({ kv: { Q: "kv" }, queues: { producers: { Q: { queue: "q" } } } })).toBe(
      "body.Q: Binding Q is declared twice (KV namespace and queue).",
    );
    expect(await deploy({ crons: ["* * * *"] })).toBe(
      'body.crons.0: Cron "* * * *" is invalid: expected 5 fields (minute hour day-of-month month day-of-week), got 4.',
    );
    expect(await deploy({ crons: ["61 * * * *"] })).toBe('body.crons.0: Cron "61 * * * *" is invalid: the minute 61 is out of range (0-59).');
    expect(await deploy({ crons: ["0 0 * * 0"] })).toBe('body.crons.0: Cron "0 0 * * 0" is invalid: the day-of-week 0 is out of range (1-7).');
    expect((await platform.admin("GET", "/v1/workers/bad-queues")).status).toBe(404);
  });

  it("deploy: a queue another worker consumes is refused (409); the first keeps it", async () => {
    const bundle = await bundleWorker(await workerFile(`export default { queue() {} };`));
    const response = await platform.admin("PUT", "/v1/workers/thief", { ...bundle, queues: { consumers: [{ queue: "jobs" }] } });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toBe("Queue jobs already has a consumer, worker app; a queue has one consumer. Remove it there first.");
    expect((await queueRow("jobs")).consumer).toEqual({ worker: "app", type: "worker" });
  });

  it("admin API: unknown queues, bad pulls and oversized publishes are refused", async () => {
    expect((await platform.admin("POST", "/v1/queues/nowhere/messages", { messages: [{ body: 1 }] })).body.error).toEqual({
      code: "ERR_NOT_FOUND",
      message: "No queue named nowhere. Queues are created by deploying a worker that produces to or consumes from them.",
    });
    expect((await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 11 })).status).toBe(400);
    expect((await platform.admin("POST", "/v1/queues/pulled/messages/ack", { acks: [{ lease_id: "x" }] })).body.error.message).toBe(
      "body.acks.0.lease_id: lease_id must be one returned by a pull, unchanged.",
    );
    const tooBig = await platform.admin("POST", "/v1/queues/pulled/messages", { messages: [{ body: "x".repeat(128_001), contentType: "text" }] });
    expect(tooBig).toEqual({
      status: 413,
      body: {
        error: { code: "ERR_TOO_LARGE", message: "message in batch has length 128001 bytes which exceeds single message size limit of 128000 bytes (10204)" },
      },
    });
  });
});

describe("tenants", () => {
  it("isolation: the same queue name in another tenant is another queue; raw stubs cannot reach further", async () => {
    await platform.deploy("evil-app", await workerFile(APP), {
      tenant: "evil",
      queues: { producers: { JOBS: { queue: "jobs" } }, consumers: [{ queue: "jobs", type: "http_pull" }] },
    });
    await call("JOBS", "send", [{ tag: "evil-message" }], { worker: "evil-app" });
    const evilQueue = await queueRow("jobs", "?tenant=evil");
    expect(evilQueue).toMatchObject({ tenant: "evil", depth: 1, consumer: { worker: "evil-app", type: "http_pull" } });
    // A message of tenant default, leased by a pull; its lease id leaks to the other tenant:
    await platform.admin("POST", "/v1/queues/pulled/messages", { messages: [{ body: { tag: "victim" } }] });
    const [victim] = (await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 1 })).body.messages;
    const raw = { worker: "evil-app", raw: true };
    expect((await call("JOBS", "acknowledge", [[victim.lease_id]], raw)).result).toBe(0);
    expect((await call("JOBS", "sendMessages", ["send", [{ contentType: "json", body: "{}", queueId: "1" }]], raw)).error).toMatch(
      /^TypeError: Invalid argument to the queue binding/,
    );
    const received = (await call("JOBS", "receiveMessages", [10], raw)).result;
    expect(received.map((/** @type {any} */ m) => m.body)).toEqual([{ tag: "evil-message" }]);
    expect((await call("JOBS", "query", ["SELECT 1"], raw)).error).toBeDefined();
    expect((await queueRow("pulled")).depth).toBe(1); // the victim's message is still there
    await platform.admin("POST", "/v1/queues/pulled/messages/ack", { acks: [{ lease_id: victim.lease_id }] });
    expect((await consumerLog()).log.some((e) => tagged(e.body, "evil-message"))).toBe(false);
  });

  it("isolation: a tenant token sees and changes only its own queues", async () => {
    const { token } = (await platform.admin("POST", "/v1/tokens", { name: "evil", tenant: "evil" })).body;
    const seen = await platform.admin("GET", "/v1/queues", undefined, token);
    expect(seen.body.queues.map((/** @type {any} */ q) => `${q.tenant}/${q.name}`)).toEqual(["evil/jobs"]);
    expect((await platform.admin("GET", "/v1/queues?tenant=default", undefined, token)).status).toBe(403);
    expect((await platform.admin("POST", "/v1/queues/pulled/purge", undefined, token)).status).toBe(404);
    expect((await platform.admin("POST", "/v1/maintenance/tick", undefined, token)).status).toBe(403);
  });
});

describe("operator view", () => {
  it("outpost queues lists depth, in-flight, delayed, oldest age, dead-lettered and consumer; purge empties a queue", async () => {
    await platform.admin("POST", "/v1/queues/pulled/messages", { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] });
    await platform.admin("POST", "/v1/queues/pulled/messages/pull", { batch_size: 1 });
    expect(await queueRow("pulled")).toEqual({
      name: "pulled",
      tenant: "default",
      depth: 3,
      inFlight: 1,
      delayed: 0,
      oldestAgeSeconds: expect.any(Number),
      deadLettered: 0,
      dropped: 0,
      consumer: { worker: "app", type: "http_pull" },
    });
    const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
    const { stdout } = await promisify(execFile)(process.execPath, ["cli/outpost.js", "queues"], { cwd: ROOT, env });
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => line.split(/\s{2,}/));
    expect(lines[0]).toEqual(["TENANT", "QUEUE", "DEPTH", "IN-FLIGHT", "DELAYED", "OLDEST", "DEAD-LETTERED", "DROPPED", "CONSUMER"]);
    expect(lines.find((line) => line[1] === "pulled")).toEqual(["default", "pulled", "3", "1", "0", expect.stringMatching(/^\d+s$/), "0", "0", "app (pull)"]);
    expect(lines.find((line) => line[1] === "jobs" && line[0] === "default")).toEqual(["default", "jobs", "0", "0", "0", "-", "1", "0", "app"]);
    const purged = await promisify(execFile)(process.execPath, ["cli/outpost.js", "queues", "purge", "pulled"], { cwd: ROOT, env });
    expect(purged.stdout).toBe("Purged 3 messages from pulled\n");
    expect((await queueRow("pulled")).depth).toBe(0);
  });

  it("metrics(): the backlog a worker sees", async () => {
    await call("PULL", "sendBatch", [
      [
        { body: "a", contentType: "text" },
        { body: "bc", contentType: "text" },
      ],
    ]);
    expect((await call("PULL", "metrics")).result).toEqual({ backlogCount: 2, backlogBytes: 3, oldestMessageTimestamp: expect.any(String) });
  });
});
