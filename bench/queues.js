// Queue benchmarks: end-to-end throughput (send → consumer handler → ack) with consumer batches
// of 1 and of 100, and the latency from send() to the handler starting on an idle queue, on
// Outpost and on Miniflare's queues (same worker). `npm run bench` runs it as section (g);
// `node bench/queues.js` runs it alone. It measures and prints; it never judges.
import { Agent, request } from "node:http";
import { Miniflare } from "miniflare";
import { freePort } from "../cli/net.js";
import { startPlatform, workerFile } from "../test/helpers/platform.js";

const COMPATIBILITY_DATE = "2026-04-01";
/** Messages per throughput run; sends of one message vs sendBatch of 100. */
const SINGLE_MESSAGES = Number(process.env.BENCH_QUEUE_SINGLE ?? 4000);
const BATCHED_MESSAGES = Number(process.env.BENCH_QUEUE_BATCHED ?? 100_000);
const PRODUCERS = 16;
/**
 * Producers pause while this many messages are sent but not yet consumed, so both targets run
 * at their steady state (Miniflare's broker also sets a timer per waiting message, and workerd
 * allows 10,000 at a time).
 */
const MAX_BACKLOG = 5000;
/** Idle-latency samples, sent one at a time this far apart. */
const LATENCY_SAMPLES = 300;
const LATENCY_GAP_MS = 20;
/**
 * The platform settings this scenario needs: one workerd process, because the worker counts
 * consumed messages in its isolate's memory, and with a pool `/stats` may reach another process.
 */
export const QUEUES_PLATFORM_ENV = { OUTPOST_PROCESSES: "1" };

// The producer and consumer are one worker: GET /send?q=1|b&n=N sends N messages stamped with
// the send time; queue() counts them and keeps send → handler-start latencies.
const WORKER = `let consumed = 0;
const latencies = [];
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/stats") return Response.json({ consumed, latencies: url.searchParams.has("latencies") ? latencies : [] });
    if (url.pathname === "/reset") { consumed = 0; latencies.length = 0; return new Response("ok"); }
    const queue = url.searchParams.get("q") === "b" ? env.BATCHED : env.SINGLE;
    const n = Number(url.searchParams.get("n") ?? 1);
    if (n === 1) await queue.send({ t: Date.now() });
    else await queue.sendBatch(Array.from({ length: n }, () => ({ body: { t: Date.now() } })));
    return new Response("sent");
  },
  async queue(batch) {
    const now = Date.now();
    if (latencies.length < 100000) for (const message of batch.messages) latencies.push(now - message.body.t);
    consumed += batch.messages.length;
  },
};`;

/**
 * @typedef {{ messagesPerSecond: number, messages: number, seconds: number }} Throughput
 * @typedef {{ p50: number, p99: number, samples: number }} Latency
 * @typedef {{ single: Throughput, batched: Throughput, latency: Latency }} QueueResults
 */

/**
 * @param {{ host: string, port: number }} target
 * @param {(line: string) => void} log
 * @returns {Promise<QueueResults>}
 */
async function measureTarget(target, log) {
  const agent = new Agent({ keepAlive: true, maxSockets: PRODUCERS });
  /** @param {string} path */
  const get = (path) => send(agent, target, path);
  try {
    await get("/send?q=1&n=1"); // warm-up: isolate loaded, consumer started
    await until(async () => (await stats(get)).consumed >= 1, 30_000);

    /** @param {"1" | "b"} queue @param {number} perRequest @param {number} total */
    const throughput = async (queue, perRequest, total) => {
      await get("/reset");
      const started = performance.now();
      let next = 0;
      let consumed = 0;
      let sending = true;
      const requests = total / perRequest;
      const watcher = (async () => {
        while (sending) {
          consumed = (await stats(get)).consumed;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      await Promise.all(
        Array.from({ length: PRODUCERS }, async () => {
          while (next < requests) {
            if (next * perRequest - consumed > MAX_BACKLOG) {
              await new Promise((resolve) => setTimeout(resolve, 5));
              continue;
            }
            next++;
            await get(`/send?q=${queue}&n=${perRequest}`);
          }
        }),
      );
      sending = false;
      await watcher;
      await until(async () => (await stats(get)).consumed >= total, 120_000);
      const seconds = (performance.now() - started) / 1000;
      return { messagesPerSecond: total / seconds, messages: total, seconds };
    };

    const single = await throughput("1", 1, SINGLE_MESSAGES);
    log(`    batch of 1:    ${fmt(single.messagesPerSecond)} messages/s end to end (${single.messages} messages, one send() each)`);
    const batched = await throughput("b", 100, BATCHED_MESSAGES);
    log(`    batch of 100:  ${fmt(batched.messagesPerSecond)} messages/s end to end (${batched.messages} messages, sendBatch() of 100)`);

    await get("/reset");
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await get("/send?q=1&n=1");
      await new Promise((resolve) => setTimeout(resolve, LATENCY_GAP_MS));
    }
    await until(async () => (await stats(get)).consumed >= LATENCY_SAMPLES, 30_000);
    const samples = (await stats(get, true)).latencies.sort((a, b) => a - b);
    const latency = { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), samples: samples.length };
    log(`    send → handler start, idle: p50 ${latency.p50} ms, p99 ${latency.p99} ms (${latency.samples} messages ${LATENCY_GAP_MS} ms apart)`);
    return { single, batched, latency };
  } finally {
    agent.destroy();
  }
}

/**
 * Runs the queue scenarios on an Outpost platform, then on Miniflare.
 * @param {import("../test/helpers/platform.js").Platform} platform
 * @param {(line: string) => void} [log]
 */
export async function measureQueues(platform, log = console.log) {
  await platform.deploy("bench-queues", await workerFile(WORKER), {
    compatibilityDate: COMPATIBILITY_DATE,
    queues: {
      producers: { SINGLE: { queue: "bench-single" }, BATCHED: { queue: "bench-batched" } },
      consumers: [
        { queue: "bench-single", maxBatchSize: 1, maxBatchTimeout: 0 },
        { queue: "bench-batched", maxBatchSize: 100, maxBatchTimeout: 0 },
      ],
    },
  });
  log("  Outpost");
  const outpost = await measureTarget({ host: "bench-queues.localhost", port: platform.port }, log);

  const port = await freePort();
  const mf = new Miniflare({
    modules: true,
    script: WORKER,
    compatibilityDate: COMPATIBILITY_DATE,
    host: "127.0.0.1",
    port,
    queueProducers: { SINGLE: "bench-single", BATCHED: "bench-batched" },
    queueConsumers: { "bench-single": { maxBatchSize: 1, maxBatchTimeout: 0 }, "bench-batched": { maxBatchSize: 100, maxBatchTimeout: 0 } },
  });
  /** @type {QueueResults | { error: string }} */
  let miniflare;
  try {
    await mf.ready;
    log("  Miniflare");
    miniflare = await measureTarget({ host: "127.0.0.1", port }, log);
  } catch (error) {
    miniflare = { error: String(error) };
    log(`  Miniflare could not be measured: ${error}`);
  } finally {
    await mf.dispose();
  }
  return { outpost, miniflare, producers: PRODUCERS };
}

/** @param {(path: string) => Promise<string>} get @returns {Promise<{ consumed: number, latencies: number[] }>} */
async function stats(get, latencies = false) {
  return JSON.parse(await get(latencies ? "/stats?latencies" : "/stats"));
}

/**
 * @param {Agent} agent
 * @param {{ host: string, port: number }} target
 * @param {string} path
 * @returns {Promise<string>}
 */
function send(agent, target, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: target.port, path, agent, headers: { host: target.host } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path}: ${res.statusCode} ${text.slice(0, 300)}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

/** @param {() => Promise<boolean>} condition @param {number} timeoutMs */
async function until(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** @param {number[]} sorted @param {number} q */
function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** @param {number} n */
const fmt = (n) => Math.round(n).toLocaleString("en-US");

if (import.meta.url === `file://${process.argv[1]}`) {
  const platform = await startPlatform({ env: QUEUES_PLATFORM_ENV });
  try {
    console.log("(g) queues");
    const results = await measureQueues(platform);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await platform.stop();
  }
}
