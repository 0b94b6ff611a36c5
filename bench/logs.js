// What logging costs: hello world through one platform (the default process pool) with
// observability off, on, on with head_sampling_rate 0.1, and on for a worker that logs one line
// per request; each as req/s and as a share of "off". The four are measured in turn, ROUNDS times
// over, and each share is of the sums over the rounds: load from elsewhere on a shared machine
// then weighs on all four about alike. Then the tail's latency: a client holds
// GET /v1/workers/:name/tail open while requests are sent one at a time, and each invocation's
// event is timed from the end of its response to its arrival on the tail.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatform } from "../test/helpers/platform.js";
import { load, timedRequest } from "./load.js";

const CONNECTIONS = 32;
const WARMUP_SECONDS = 1;
const ROUNDS = 3;
/** Requests whose tail latency is measured, one at a time, this far apart. */
const TAIL_REQUESTS = 100;
const TAIL_GAP_MS = 20;
const TAIL_TIMEOUT_MS = 10_000;

const HELLO = `export default { fetch() { return new Response("hello") } }`;
const LOGGER = `export default { fetch(request) { console.log("request", new URL(request.url).pathname); return new Response("hello") } }`;

/** name → [source, observability], in the order measured. */
const VARIANTS = /** @type {const} */ ({
  off: [HELLO, { enabled: false }],
  on: [HELLO, { enabled: true }],
  sampled: [HELLO, { enabled: true, headSamplingRate: 0.1 }],
  logging: [LOGGER, { enabled: true }],
});
const TARGETS = { on: 0.85, sampled: 0.95, logging: 0.8 };

/**
 * @typedef {{ rps: number[], ratio: number, target: number }} Share
 * @typedef {{ seconds: number, rounds: number, off: number[], on: Share, sampled: Share, logging: Share,
 *   tail: { p50: number, p99: number, received: number, sent: number } }} LogsResult
 */

/**
 * @param {import("./load.js").Generator} generator
 * @param {number} seconds  each measured run
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<LogsResult>}
 */
export async function measureLogs(generator, seconds, track, release) {
  const platform = track(await startPlatform());
  const sources = await mkdtemp(join(tmpdir(), "outpost-bench-logs-"));
  try {
    for (const [name, [source, observability]] of Object.entries(VARIANTS)) {
      const file = join(sources, `${name}.js`);
      await writeFile(file, source);
      await platform.deploy(`logs-${name}`, file, { observability });
    }
    /** @param {string} name */
    const run = async (name) => {
      const endpoint = { port: platform.port, host: `logs-${name}.localhost`, connections: CONNECTIONS };
      await load(generator, { ...endpoint, seconds: WARMUP_SECONDS });
      const result = await load(generator, { ...endpoint, seconds });
      console.log(`  ${name.padEnd(10)} ${String(Math.round(result.rps)).padStart(7)} req/s  p99 ${result.p99.toFixed(1)} ms  (${result.failures} failed)`);
      return result.rps;
    };
    /** @type {Record<keyof typeof VARIANTS, number[]>} */
    const rps = { off: [], on: [], sampled: [], logging: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of /** @type {(keyof typeof VARIANTS)[]} */ (Object.keys(VARIANTS))) rps[name].push(await run(name));
    }
    const sum = (/** @type {number[]} */ values) => values.reduce((a, b) => a + b, 0);
    /** @param {keyof typeof TARGETS} name @returns {Share} */
    const share = (name) => ({ rps: rps[name], ratio: sum(rps[name]) / sum(rps.off), target: TARGETS[name] });
    return {
      seconds,
      rounds: ROUNDS,
      off: rps.off,
      on: share("on"),
      sampled: share("sampled"),
      logging: share("logging"),
      tail: await tailLatency(platform),
    };
  } finally {
    await rm(sources, { recursive: true, force: true });
    await release(platform);
  }
}

/**
 * Sends TAIL_REQUESTS requests to the logging worker, each to a path of its own, while a tail is
 * open; returns the latencies from each response's end to its event's arrival.
 * @param {Awaited<ReturnType<typeof startPlatform>>} platform
 */
async function tailLatency(platform) {
  const controller = new AbortController();
  const response = await fetch(`${platform.adminUrl}/v1/workers/logs-logging/tail`, {
    headers: { authorization: `Bearer ${platform.token}` },
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`tail answered ${response.status}`);
  /** path → when its response ended */
  const ended = new Map();
  /** @type {number[]} */
  const latencies = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (response.body)) {
        const arrived = performance.now();
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          const at = ended.get(JSON.parse(line).path);
          if (at !== undefined) latencies.push(arrived - at);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  for (let i = 0; i < TAIL_REQUESTS; i++) {
    const path = `/tail-${i}`;
    const answer = await timedRequest({ port: platform.port, host: "logs-logging.localhost", path, timeoutMs: TAIL_TIMEOUT_MS });
    if (answer.status === 200) ended.set(path, performance.now());
    await new Promise((resolve) => setTimeout(resolve, TAIL_GAP_MS));
  }
  const deadline = Date.now() + TAIL_TIMEOUT_MS;
  while (latencies.length < ended.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  controller.abort();
  await reading;
  latencies.sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), received: latencies.length, sent: ended.size };
}

/** @param {LogsResult} r @param {(ms: number) => string} fmtMs */
export function printLogs(r, fmtMs) {
  const rounded = (/** @type {number[]} */ values) => values.map(Math.round).join(", ");
  console.log(`  off: ${rounded(r.off)} req/s in ${r.rounds} rounds of ${r.seconds} s (their sum is 1 ×)`);
  for (const [label, share] of /** @type {const} */ ([
    ["on", r.on],
    ["on, head_sampling_rate 0.1", r.sampled],
    ["on, one console.log per request", r.logging],
  ])) {
    console.log(`  ${label.padEnd(34)} ${share.ratio.toFixed(2)} × off (target ≥ ${share.target} ×; ${rounded(share.rps)} req/s)`);
  }
  console.log(
    `  tail: invocation end → event on GET /tail: p50 ${fmtMs(r.tail.p50)}, p99 ${fmtMs(r.tail.p99)} (targets ≤ 200 ms, ≤ 1 s; ${r.tail.received} of ${r.tail.sent} arrived)`,
  );
}
