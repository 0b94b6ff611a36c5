// KV flood neighbour: does one tenant's stream of large KV writes slow another tenant's KV reads
// that go to Postgres? One platform (the default process pool). Tenant `flooder` runs WRITERS
// concurrent writers, each putting a VALUE_BYTES value (made in the worker, so no request body
// crosses the loopback) to one of its own keys, over and over. Tenant `neighbour` reads a fresh
// random key per request (absent, so never in any host's read cache: every read is a Postgres
// query), READERS requests at a time, and beside them one loop of requests that touch no database
// (`/plain`): the control that tells the database path from the CPU the flood takes from the
// workerd processes everyone shares. The neighbour's latencies are measured alone (quiet), then
// while the flood runs, for `seconds` each; the target is flood p99 ≤ 3 × quiet p99 of the reads.
import { Agent } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatform } from "../test/helpers/platform.js";
import { timedRequest } from "./load.js";

const WRITERS = 8;
const VALUE_BYTES = 1024 * 1024;
const READERS = 2;
const REQUEST_TIMEOUT_MS = 30_000;
const TARGET_RATIO = 3;

const FLOODER = `const value = new Uint8Array(${VALUE_BYTES}).fill(120);
export default {
  async fetch(request, env) {
    await env.KV.put("big-" + new URL(request.url).searchParams.get("writer"), value);
    return new Response("ok");
  },
};`;
const NEIGHBOUR = `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/plain") return new Response("plain");
    return new Response(String(await env.KV.get(crypto.randomUUID())));
  },
};`;

/** @typedef {{ p50: number, p99: number, requests: number, failures: number }} Latencies */
/** @typedef {{ seconds: number, quiet: Latencies, flood: Latencies, plainQuiet: Latencies, plainFlood: Latencies, writes: { completed: number, failures: number, mibPerSecond: number }, ratio: number, target: number }} FloodResult */

/**
 * @param {number} seconds  each phase's length
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<FloodResult>}
 */
export async function measureKvFlood(seconds, track, release) {
  const platform = track(await startPlatform());
  const sources = await mkdtemp(join(tmpdir(), "outpost-bench-flood-"));
  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS + READERS + 1 });
  try {
    for (const [name, source, tenant] of /** @type {const} */ ([
      ["flooder", FLOODER, "flood-a"],
      ["neighbour", NEIGHBOUR, "flood-b"],
    ])) {
      const file = join(sources, `${name}.js`);
      await writeFile(file, source);
      await platform.deploy(name, file, { kv: { KV: `${name}-kv` }, tenant });
    }
    const read = () => timedRequest({ port: platform.port, host: "neighbour.localhost", timeoutMs: REQUEST_TIMEOUT_MS, agent });
    const plain = () => timedRequest({ port: platform.port, host: "neighbour.localhost", path: "/plain", timeoutMs: REQUEST_TIMEOUT_MS, agent });
    /** The neighbour's reads and plain requests side by side, for `seconds`. */
    const neighbour = () => Promise.all([loops(READERS, seconds, read), loops(1, seconds, plain)]);
    const write = (/** @type {number} */ writer) =>
      timedRequest({ port: platform.port, host: "flooder.localhost", path: `/?writer=${writer}`, timeoutMs: REQUEST_TIMEOUT_MS, agent });
    await checked(read(), "null");
    await checked(write(0), "ok");
    await loops(READERS, 1, read); // warm-up: both workers loaded on every process

    const [quiet, plainQuiet] = await neighbour();
    let flooding = true;
    /** @type {{ status: number }[]} */
    const writes = [];
    const flood = Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        while (flooding) writes.push(await write(writer));
      }),
    );
    const began = Date.now();
    const [during, plainFlood] = await neighbour();
    flooding = false;
    await flood;
    const floodSeconds = (Date.now() - began) / 1000;
    const completed = writes.filter((answer) => answer.status === 200).length;
    return {
      seconds,
      quiet,
      flood: during,
      plainQuiet,
      plainFlood,
      writes: { completed, failures: writes.length - completed, mibPerSecond: (completed * VALUE_BYTES) / 2 ** 20 / floodSeconds },
      ratio: during.p99 / quiet.p99,
      target: TARGET_RATIO,
    };
  } finally {
    agent.destroy();
    await rm(sources, { recursive: true, force: true });
    await release(platform);
  }
}

/**
 * `concurrency` loops sending one request after another for `seconds`.
 * @param {number} concurrency
 * @param {number} seconds
 * @param {() => Promise<{ status: number, ms: number }>} send
 * @returns {Promise<Latencies>}
 */
export async function loops(concurrency, seconds, send) {
  const until = Date.now() + seconds * 1000;
  /** @type {number[]} */
  const times = [];
  let failures = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const answer = await send();
        if (answer.status === 200) times.push(answer.ms);
        else failures++;
      }
    }),
  );
  times.sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), requests: times.length + failures, failures };
}

/** @param {Promise<{ status: number, text: string }>} answer @param {string} text */
async function checked(answer, text) {
  const { status, text: got } = await answer;
  if (status !== 200 || got !== text) throw new Error(`answered ${status} ${JSON.stringify(got.slice(0, 200))}, expected 200 ${JSON.stringify(text)}`);
}

/** @param {FloodResult} r @param {(ms: number) => string} fmtMs */
export function printKvFlood(r, fmtMs) {
  /** @param {string} label @param {Latencies} l */
  const row = (label, l) =>
    console.log(`  ${label.padEnd(34)} p50 ${fmtMs(l.p50).padStart(9)}  p99 ${fmtMs(l.p99).padStart(9)}  (${l.requests} requests, ${l.failures} failed)`);
  row("neighbour reads, quiet", r.quiet);
  row("neighbour reads, during the flood", r.flood);
  row("neighbour, no database, quiet", r.plainQuiet);
  row("neighbour, no database, flood", r.plainFlood);
  console.log(
    `  flood: ${r.writes.completed} writes of 1 MiB (${r.writes.mibPerSecond.toFixed(1)} MiB/s, ${r.writes.failures} failed) by ${WRITERS} writers over ${r.seconds} s`,
  );
  console.log(`  flood p99 / quiet p99: ${r.ratio.toFixed(2)} × (target ≤ ${r.target} ×)`);
}
