// Soak: does anything grow while the live data does not? One platform (the default process pool),
// three tenants, each with one worker using every binding: KV (a fixed set of 1,000 keys,
// overwritten), R2 (a fixed set of 500 objects of 2–6 KiB, overwritten, deleted and put again, now
// and then written by a one-part multipart upload whose part is uploaded twice, or an upload
// aborted), a queue (sent to, consumed by the same worker), the tenant vault (read) and static
// assets. Every key is seeded first, so the live data stays the same size throughout. A steady
// mixed load (TARGET_RPS, at most CONCURRENCY in flight, keep-alive, loopback) runs for
// BENCH_SOAK_SECONDS; every SAMPLE_SECONDS the host is sampled (soak-samples.js). The host's own
// maintenance (`outpost start` sweeps every minute) collects garbage; the soak does not call it.
// Growth is judged on the second half of the run (the first is warm-up): the least-squares slope
// of each metric, times the half's length, against a noise threshold per metric.
import { execFile } from "node:child_process";
import { Agent } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { startPlatform } from "../test/helpers/platform.js";
import { timedRequest } from "./load.js";
import { sampleHost } from "./soak-samples.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TENANTS = ["soak-a", "soak-b", "soak-c"];
const KV_KEYS = 1000;
const R2_OBJECTS = 500;
const SEED_BATCH = 100;
const TARGET_RPS = 225;
const CONCURRENCY = 16;
const SAMPLE_SECONDS = 10;
const REQUEST_TIMEOUT_MS = 10_000;
const ASSET = "s".repeat(4096);

/** Path makers and their share of the requests; `k` picks a key of the fixed set. */
const MIX = /** @type {const} */ ([
  [30, () => `/kv/get?k=${pick(KV_KEYS)}`],
  [20, () => `/kv/put?k=${pick(KV_KEYS)}`],
  [15, () => `/r2/get?k=${pick(R2_OBJECTS)}`],
  [10, () => `/r2/put?k=${pick(R2_OBJECTS)}`],
  [3, () => `/r2/replace?k=${pick(R2_OBJECTS)}`],
  [1, () => `/r2/multipart?k=${pick(R2_OBJECTS)}`],
  [0.5, () => `/r2/abort?k=${pick(R2_OBJECTS)}`],
  [8, () => "/queue/send"],
  [6, () => "/vault"],
  [6.5, () => "/static.txt"],
]);

const WORKER = `const filler = (min, max) => "v".repeat(min + Math.floor(Math.random() * (max - min)));
const object = () => filler(2048, 6144);
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const k = url.searchParams.get("k");
    switch (url.pathname) {
      case "/seed": {
        const from = Number(url.searchParams.get("from"));
        for (let i = from; i < from + ${SEED_BATCH}; i++) {
          if (i < ${KV_KEYS}) await env.KV.put("k" + i, filler(200, 2000));
          if (i < ${R2_OBJECTS}) await env.BUCKET.put("o" + i, object());
        }
        return new Response("seeded");
      }
      case "/kv/get": return new Response(await env.KV.get("k" + k));
      case "/kv/put": await env.KV.put("k" + k, filler(200, 2000)); return new Response("ok");
      case "/r2/get": return new Response((await env.BUCKET.get("o" + k))?.body ?? "");
      case "/r2/put": await env.BUCKET.put("o" + k, object()); return new Response("ok");
      case "/r2/replace": await env.BUCKET.delete("o" + k); await env.BUCKET.put("o" + k, object()); return new Response("ok");
      case "/r2/multipart": {
        const upload = await env.BUCKET.createMultipartUpload("o" + k);
        await upload.uploadPart(1, object());
        const part = await upload.uploadPart(1, object());
        await upload.complete([part]);
        return new Response("ok");
      }
      case "/r2/abort": {
        const upload = await env.BUCKET.createMultipartUpload("o" + k);
        await upload.uploadPart(1, object());
        await upload.abort();
        return new Response("ok");
      }
      case "/queue/send": await env.QUEUE.send({ at: Date.now() }); return new Response("ok");
      case "/vault": return new Response(await env.VAULT.get("token"));
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch) {
    batch.ackAll();
  },
};
`;

/**
 * @typedef {object} Sample
 * @property {number} at           seconds since the load began
 * @property {Record<string, number>} metrics
 * @typedef {object} Trend
 * @property {string} metric
 * @property {number} first
 * @property {number} last
 * @property {number} perMinute    least-squares slope over the second half
 * @property {number} threshold    growth over the second half that counts as more than noise
 * @property {boolean} grows
 * @typedef {object} SoakResult
 * @property {number} seconds
 * @property {string[]} tenants
 * @property {number} requests
 * @property {number} errors
 * @property {Record<string, number>} errorKinds  "503 /r2/put", "no answer /kv/get", …
 * @property {number} rps
 * @property {Sample[]} samples
 * @property {Trend[]} trends
 * @property {boolean} liveDataConstant
 * @property {string[]} growing   metrics beyond their threshold, live data excluded
 */

/**
 * @param {number} seconds
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track  registers a platform for cleanup
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<SoakResult>}
 */
export async function measureSoak(seconds, track, release) {
  const platform = track(await startPlatform());
  const projects = await mkdtemp(join(tmpdir(), "outpost-bench-soak-"));
  const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  try {
    for (const tenant of TENANTS) await deployTenant(platform, projects, tenant);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
      return await soak(platform, sql, agent, seconds);
    } finally {
      agent.destroy();
    }
  } finally {
    await sql.end();
    await rm(projects, { recursive: true, force: true });
    await release(platform);
  }
}

/**
 * @param {import("../test/helpers/platform.js").Platform} platform
 * @param {string} projects
 * @param {string} tenant
 */
async function deployTenant(platform, projects, tenant) {
  const project = join(projects, tenant);
  await mkdir(join(project, "public"), { recursive: true });
  await writeFile(join(project, "worker.js"), WORKER);
  await writeFile(join(project, "public", "static.txt"), ASSET);
  await writeFile(
    join(project, "wrangler.toml"),
    `name = "${tenant}"
main = "worker.js"
compatibility_date = "2026-04-01"
assets = { directory = "public" }
kv_namespaces = [{ binding = "KV", id = "soak" }]
r2_buckets = [{ binding = "BUCKET", bucket_name = "soak" }]
vaults = [{ binding = "VAULT" }]
[[queues.producers]]
binding = "QUEUE"
queue = "soak"
[[queues.consumers]]
queue = "soak"
max_batch_size = 100
max_batch_timeout = 1
`,
  );
  await promisify(execFile)(process.execPath, ["cli/outpost.js", "deploy", project, "--tenant", tenant], {
    cwd: ROOT,
    env: { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token },
  });
  const vault = await platform.admin("PUT", `/v1/vault/token?tenant=${tenant}`, { value: `secret of ${tenant}` });
  if (vault.status >= 300) throw new Error(`vault put for ${tenant} answered ${vault.status}: ${JSON.stringify(vault.body)}`);
  for (let from = 0; from < Math.max(KV_KEYS, R2_OBJECTS); from += SEED_BATCH) {
    const seeded = await platform.fetchWorker(tenant, `/seed?from=${from}`);
    if (seeded.status !== 200) throw new Error(`seeding ${tenant} answered ${seeded.status}: ${seeded.text.slice(0, 300)}`);
  }
  for (const path of ["/vault", "/static.txt", "/queue/send", "/r2/multipart?k=0", "/r2/abort?k=0"]) {
    const answer = await platform.fetchWorker(tenant, path);
    if (answer.status !== 200) throw new Error(`${tenant}${path} answered ${answer.status} before the soak: ${answer.text.slice(0, 300)}`);
  }
}

/**
 * The load and the sampling, side by side, until `seconds` have passed.
 * @param {import("../test/helpers/platform.js").Platform} platform
 * @param {import("postgres").Sql} sql
 * @param {Agent} agent
 * @param {number} seconds
 * @returns {Promise<SoakResult>}
 */
async function soak(platform, sql, agent, seconds) {
  const began = Date.now();
  const end = began + seconds * 1000;
  let requests = 0;
  let errors = 0;
  /** @type {Record<string, number>} */
  const errorKinds = {};
  /** @type {number[]} latencies since the last sample */
  let window = [];
  let sent = 0;
  const next = async () => {
    // A shared schedule: request n leaves no earlier than n / TARGET_RPS s after the start.
    const due = began + (sent++ * 1000) / TARGET_RPS;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  };
  const drive = async () => {
    while (Date.now() < end) {
      await next();
      const tenant = TENANTS[Math.floor(Math.random() * TENANTS.length)] ?? "";
      const path = pickPath();
      const answer = await timedRequest({ port: platform.port, host: `${tenant}.localhost`, path, timeoutMs: REQUEST_TIMEOUT_MS, agent });
      requests++;
      window.push(answer.ms);
      if (answer.status !== 200) {
        errors++;
        const kind = `${answer.status === 0 ? "no answer" : answer.status} ${path.split("?")[0]}`;
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      }
    }
  };

  /** @type {Sample[]} */
  const samples = [];
  let unreadable = 0;
  let sampledRequests = 0;
  const sample = async () => {
    const at = (Date.now() - began) / 1000;
    const host = await sampleHost(platform.dataDir, sql);
    unreadable += host.unreadable.length;
    const latencies = window.sort((a, b) => a - b);
    window = [];
    const sinceLast = samples.length === 0 ? at : at - (samples.at(-1)?.at ?? 0);
    samples.push({
      at,
      metrics: {
        ...host.metrics,
        requests,
        errors,
        "req/s": sinceLast > 0 ? (requests - sampledRequests) / sinceLast : 0,
        "p99 ms": latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))] ?? 0,
      },
    });
    sampledRequests = requests;
  };
  const sampling = (async () => {
    await sample();
    while (Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(SAMPLE_SECONDS * 1000, end - Date.now())));
      await sample();
    }
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, drive), sampling]);
  if (unreadable > 0) console.log(`  (${unreadable} sample part(s) could not be read)`);

  const trends = trendsOf(samples);
  const live = trends.filter((trend) => trend.metric.endsWith("(live)"));
  return {
    seconds,
    tenants: TENANTS,
    requests,
    errors,
    errorKinds,
    rps: requests / ((Date.now() - began) / 1000),
    samples,
    trends,
    liveDataConstant: live.every((trend) => !trend.grows),
    growing: trends.filter((trend) => trend.grows && !trend.metric.endsWith("(live)")).map((trend) => trend.metric),
  };
}

/** Counters and per-window figures: reported, not judged for growth. */
const NOT_JUDGED = new Set(["requests", "errors", "req/s", "p99 ms"]);

/**
 * Growth beyond noise over the second half: the projected change (slope × the half's length)
 * above 10 % of the half's first value and above an absolute floor for the kind of metric.
 * @param {Sample[]} samples
 * @returns {Trend[]}
 */
function trendsOf(samples) {
  const half = samples.slice(Math.floor(samples.length / 2));
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || half.length < 2) return [];
  const span = (half.at(-1)?.at ?? 0) - (half[0]?.at ?? 0);
  return Object.keys(last.metrics).map((metric) => {
    const points = half.map((s) => [s.at, s.metrics[metric]]).filter(/** @returns {p is [number, number]} */ (p) => p[1] !== undefined);
    const perSecond = slope(points);
    const start = points[0]?.[1] ?? 0;
    const threshold = Math.max(0.1 * Math.abs(start), floorOf(metric));
    return {
      metric,
      first: first.metrics[metric] ?? NaN,
      last: last.metrics[metric] ?? NaN,
      perMinute: perSecond * 60,
      threshold,
      grows: !NOT_JUDGED.has(metric) && perSecond * span > threshold,
    };
  });
}

/** @param {string} metric */
function floorOf(metric) {
  if (metric.includes("MiB")) return metric.includes("RSS") ? 32 : 2;
  if (metric.includes("fds")) return 8;
  return 20;
}

/** Least-squares slope of y over x. @param {[number, number][]} points */
function slope(points) {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** @param {number} n a random whole number below n */
const pick = (n) => Math.floor(Math.random() * n);

const TOTAL_WEIGHT = MIX.reduce((sum, [weight]) => sum + weight, 0);
function pickPath() {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const [weight, path] of MIX) {
    roll -= weight;
    if (roll < 0) return path();
  }
  return MIX[0][1]();
}

/** @param {SoakResult} r */
export function printSoak(r) {
  const errorKinds = Object.entries(r.errorKinds)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, count]) => `${kind} × ${count}`)
    .join(", ");
  console.log(
    `  ${r.requests.toLocaleString("en-US")} requests (${Math.round(r.rps)} req/s) over ${r.seconds} s, ${r.tenants.length} tenants, ${r.errors} errors${errorKinds ? ` (${errorKinds})` : ""}, ${r.samples.length} samples`,
  );
  const header = ["metric", "first", "last", "trend/min (2nd half)", "noise", ""];
  const rows = r.trends.map((t) => [
    t.metric,
    fmt(t.first),
    fmt(t.last),
    `${t.perMinute >= 0 ? "+" : ""}${fmt(t.perMinute)}`,
    NOT_JUDGED.has(t.metric) ? "" : fmt(t.threshold),
    t.grows ? "GROWS" : "",
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => (row[i] ?? "").length)));
  const line = (/** @type {string[]} */ row) => `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ")}`;
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const verdict = !r.liveDataConstant
    ? "the live data itself grew, so growth elsewhere says nothing"
    : r.growing.length === 0
      ? "live data constant, nothing grew beyond noise"
      : `live data constant, but growing: ${r.growing.join(", ")}`;
  console.log(`  verdict: ${verdict}`);
}

/** @param {number} n */
const fmt = (n) => (Number.isInteger(n) ? String(n) : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1));
