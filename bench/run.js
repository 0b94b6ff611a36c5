// `npm run bench`: Outpost side by side with bare workerd and Miniflare on loopback. It
// measures and prints (and writes .bench/results.json); it never judges, so it never fails
// on a number. BENCH_SECONDS sets each measured run (default 5), BENCH_LOAD=wrk|autocannon
// forces a load generator, BENCH_ONLY=compare,containment,pool,recovery,soak,flood,pgkill,logs,d1,owners runs only
// the sections named (default: all; "compare" is scenarios (a)–(i)); results.json then holds only
// those. BENCH_SOAK_SECONDS sets the soak's length (default 300), BENCH_FLOOD_SECONDS each phase of
// the KV flood (default 30), BENCH_PGKILL_SECONDS the load before and after the Postgres kill (default 10),
// BENCH_LOGS_SECONDS each run of the logging section (default 3), BENCH_OWNERS_KILLS the owner kills
// of the D1 owners section (default 3).
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { httpRequest, startPlatform } from "../test/helpers/platform.js";
import { load, medianMs, pickGenerator, sequentialP50 } from "./load.js";
import { startBareWorkerd, startMiniflare } from "./targets.js";
import { measureControlPlane } from "./control-plane.js";
import { QUEUES_PLATFORM_ENV, measureQueues } from "./queues.js";
import { measureAssets, measureLargeObjects } from "./storage.js";
import { measureContainment, printContainment } from "./containment.js";
import { measurePool, printPool } from "./pool.js";
import { measureRecovery, printRecovery } from "./recovery.js";
import { measureSoak, printSoak } from "./soak.js";
import { measureKvFlood, printKvFlood } from "./kv-flood.js";
import { measurePostgresKill, printPostgresKill } from "./postgres-kill.js";
import { measureLogs, printLogs } from "./logs.js";
import { measureD1, printD1 } from "./d1.js";
import { measureOwners, printOwners } from "./owners.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const CONNECTIONS = 32;
/** Sequential requests (or queries) per median in scenario (d). */
const SEQUENTIAL_COUNT = 2000;
const COMPATIBILITY_DATE = "2026-04-01";
const RESULTS_FILE = fileURLToPath(new URL("../.bench/results.json", import.meta.url));
const SECTIONS = ["compare", "containment", "pool", "recovery", "soak", "flood", "pgkill", "logs", "d1", "owners"];
const CONTAINMENT_SECONDS = Number(process.env.BENCH_CONTAINMENT_SECONDS ?? 30);
const POOL_ROUNDS = Number(process.env.BENCH_POOL_ROUNDS ?? 2);
const RECOVERY_KILLS = Number(process.env.BENCH_RECOVERY_KILLS ?? 10);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const FLOOD_SECONDS = Number(process.env.BENCH_FLOOD_SECONDS ?? 30);
const PGKILL_SECONDS = Number(process.env.BENCH_PGKILL_SECONDS ?? 10);
const LOGS_SECONDS = Number(process.env.BENCH_LOGS_SECONDS ?? 3);
const OWNERS_KILLS = Number(process.env.BENCH_OWNERS_KILLS ?? 3);

const WORKERS = {
  hello: `export default { fetch() { return new Response("hello") } }`,
  get: `export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/seed") {
      await env.KV.put("hot", "value");
      return new Response("seeded");
    }
    // A key never read before: a miss in Outpost's per-host cache, so a real Postgres read.
    if (path === "/cold") return new Response(String(await env.KV.get(crypto.randomUUID())));
    return new Response(await env.KV.get("hot"));
  },
};`,
  r2get: `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/seed") {
      await env.BUCKET.put("small", "x".repeat(1024));
      return new Response("seeded");
    }
    const object = await env.BUCKET.get("small");
    return new Response(object.body);
  },
};`,
  put: `export default {
  async fetch(request, env) {
    await env.KV.put(crypto.randomUUID(), "value");
    return new Response("ok");
  },
};`,
};

/**
 * @typedef {import("./load.js").LoadResult} LoadResult
 * @typedef {import("./targets.js").Target} Target
 * @typedef {{ port: number, host?: string }} Endpoint
 * @typedef {{ id: string, title: string, theirsName: string, ours: LoadResult, theirs: LoadResult, ratio: number, target: number }} PairResult
 */

/** @type {(() => Promise<void>)[]} */
const cleanups = [];
/**
 * Registers a started process for stopping on exit, error or signal.
 * @template {{ stop: () => Promise<void> }} T
 * @param {T} target
 * @returns {T}
 */
const track = (target) => (cleanups.push(target.stop), target);
/** @param {{ stop: () => Promise<void> }} target */
const release = async (target) => {
  cleanups.splice(cleanups.indexOf(target.stop), 1);
  await target.stop();
};
async function cleanUp() {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch((error) => console.error("cleanup:", error));
}
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function main() {
  for (const [name, value] of Object.entries({
    BENCH_SECONDS: SECONDS,
    BENCH_CONTAINMENT_SECONDS: CONTAINMENT_SECONDS,
    BENCH_POOL_ROUNDS: POOL_ROUNDS,
    BENCH_RECOVERY_KILLS: RECOVERY_KILLS,
    BENCH_SOAK_SECONDS: SOAK_SECONDS,
    BENCH_FLOOD_SECONDS: FLOOD_SECONDS,
    BENCH_PGKILL_SECONDS: PGKILL_SECONDS,
    BENCH_LOGS_SECONDS: LOGS_SECONDS,
  })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not ${process.env[name]}`);
  }
  const only = (process.env.BENCH_ONLY ?? SECTIONS.join(",")).split(",").map((name) => name.trim());
  const unknown = only.filter((name) => !SECTIONS.includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown section(s) ${unknown.join(", ")}; known: ${SECTIONS.join(", ")}`);
  const generator = pickGenerator();
  const began = Date.now();
  console.log(
    `load generator: ${generator}${generator === "autocannon" ? " (in this Node process, competing with workerd for CPU; latencies in whole ms)" : ""}`,
  );
  console.log(`${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per run, one run at a time; sections: ${only.join(", ")}`);
  // Other work on the machine takes cores from workerd and the load generator alike.
  const loadBefore = loadavg()[0] ?? NaN;
  console.log(`load average before the run: ${loadBefore.toFixed(2)} (1 min)\n`);

  /** @type {Record<string, unknown>} */
  const results = {
    date: new Date().toISOString(),
    generator,
    connections: CONNECTIONS,
    seconds: SECONDS,
    node: process.version,
    loadAverageBefore: loadBefore,
    sections: only,
  };
  if (only.includes("compare")) Object.assign(results, await compare(generator));

  if (only.includes("containment")) {
    console.log(`(j) containment: one tenant attacks every 2 s for ${CONTAINMENT_SECONDS} s; a neighbour tenant and the admin API are polled`);
    const containment = await measureContainment(CONTAINMENT_SECONDS, track, release);
    for (const attack of containment) printContainment(attack, fmtMs);
    console.log("");
    results.containment = containment;
  }
  if (only.includes("pool")) {
    console.log(`(k) process pool: hello world through Outpost with 2 processes vs 1, and vs bare workerd with 2 processes on the same kind of sockets`);
    const pool = await measurePool(
      generator,
      {
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        connections: CONNECTIONS,
        rounds: POOL_ROUNDS,
        worker: WORKERS.hello,
        compatibilityDate: COMPATIBILITY_DATE,
      },
      track,
      release,
    );
    printPool(pool);
    console.log("");
    results.pool = pool;
  }
  if (only.includes("recovery")) {
    console.log(`(l) recovery: SIGKILL of one workerd process (of 2) → its replacement answers on its private port`);
    const recovery = await measureRecovery(RECOVERY_KILLS, track, release);
    printRecovery(recovery, fmtMs);
    console.log("");
    results.recovery = recovery;
  }
  if (only.includes("soak")) {
    console.log(`(m) soak: a steady mixed load over every binding, 3 tenants, ${SOAK_SECONDS} s; does anything grow while the live data does not?`);
    const soak = await measureSoak(SOAK_SECONDS, track, release);
    printSoak(soak);
    console.log("");
    results.soak = soak;
  }
  if (only.includes("flood")) {
    console.log(
      `(n) KV flood neighbour: one tenant's 8 writers of 1 MiB values vs another tenant's KV reads of keys in no cache, ${FLOOD_SECONDS} s quiet then ${FLOOD_SECONDS} s flooded`,
    );
    const flood = await measureKvFlood(FLOOD_SECONDS, track, release);
    printKvFlood(flood, fmtMs);
    console.log("");
    results.kvFlood = flood;
  }
  if (only.includes("pgkill")) {
    console.log(
      `(o) Postgres killed under load: KV puts for ${PGKILL_SECONDS} s, SIGKILL of the embedded Postgres, puts for ${PGKILL_SECONDS} s after it is back`,
    );
    const pgkill = await measurePostgresKill(PGKILL_SECONDS, track, release);
    printPostgresKill(pgkill, fmtMs);
    console.log("");
    results.postgresKill = pgkill;
  }
  if (only.includes("logs")) {
    console.log(`(p) logging: hello world with observability off, on, sampled at 0.1, and logging a line; then the live tail's latency`);
    const logs = await measureLogs(generator, LOGS_SECONDS, track, release);
    printLogs(logs, fmtMs);
    console.log("");
    results.logs = logs;
  }
  if (only.includes("d1")) {
    console.log(`(q) D1: a point select by primary key and an insert per request, Outpost (one workerd process) vs Miniflare's D1, both on disk`);
    const d1 = await measureD1(generator, { seconds: SECONDS, sequentialCount: SEQUENTIAL_COUNT }, track, release);
    printD1(d1, fmtMs);
    console.log("");
    results.d1 = d1;
  }
  if (only.includes("owners")) {
    console.log(`(r) D1 owners: a point select at the database's owner vs forwarded from the other process; the owner killed → serving again`);
    const owners = await measureOwners(OWNERS_KILLS, track, release);
    printOwners(owners, fmtMs);
    console.log("");
    results.owners = owners;
  }

  await mkdir(join(RESULTS_FILE, ".."), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${RESULTS_FILE} (total ${Math.round((Date.now() - began) / 1000)} s)`);
}

/**
 * Scenarios (a)–(i): Outpost side by side with bare workerd, Miniflare and direct access.
 * @param {import("./load.js").Generator} generator
 */
async function compare(generator) {
  /**
   * Warm-up, then the measured run.
   * @param {string} label
   * @param {Endpoint} endpoint
   */
  const measure = async (label, endpoint) => {
    await load(generator, { ...endpoint, seconds: WARMUP_SECONDS, connections: CONNECTIONS });
    const result = await load(generator, { ...endpoint, seconds: SECONDS, connections: CONNECTIONS });
    const failed = result.failures > 0 ? `  (${result.failures} of ${result.requests} failed or timed out)` : "";
    console.log(`  ${label.padEnd(14)} ${fmtRps(result.rps).padStart(8)} req/s  p50 ${fmtMs(result.p50)}  p99 ${fmtMs(result.p99)}${failed}`);
    return result;
  };

  const platform = track(await startPlatform());
  const sources = await mkdtemp(join(tmpdir(), "outpost-bench-src-"));
  cleanups.push(() => rm(sources, { recursive: true, force: true }));
  /** @type {Record<keyof typeof WORKERS, Endpoint>} */
  const outpost = { hello: { port: 0 }, get: { port: 0 }, r2get: { port: 0 }, put: { port: 0 } };
  for (const [name, source] of /** @type {[keyof typeof WORKERS, string][]} */ (Object.entries(WORKERS))) {
    const file = join(sources, `${name}.js`);
    await writeFile(file, source);
    await platform.deploy(`bench-${name}`, file, { compatibilityDate: COMPATIBILITY_DATE, kv: { KV: `bench-${name}` }, r2: { BUCKET: `bench-${name}` } });
    outpost[name] = { port: platform.port, host: `bench-${name}.localhost` };
  }
  await expectBody(outpost.get, "/seed", "seeded");
  await expectBody(outpost.hello, "/", "hello");
  await expectBody(outpost.get, "/", "value");
  await expectBody(outpost.put, "/", "ok");
  await expectBody(outpost.r2get, "/seed", "seeded");
  await expectBody(outpost.r2get, "/", "x".repeat(1024));

  /** @type {PairResult[]} */
  const pairs = [];
  /**
   * @param {string} id
   * @param {string} title
   * @param {Endpoint} ours
   * @param {string} theirsName
   * @param {() => Promise<Target>} startTheirs
   * @param {number} target minimum ours/theirs req/s ratio
   */
  const pair = async (id, title, ours, theirsName, startTheirs, target) => {
    console.log(`(${id}) ${title}`);
    const oursResult = await measure("Outpost", ours);
    const theirs = track(await startTheirs());
    const theirsResult = await measure(theirsName, { port: theirs.port });
    await release(theirs);
    const ratio = oursResult.rps / theirsResult.rps;
    console.log(`  ours/theirs ${ratio.toFixed(2)} × req/s (target ≥ ${target} ×)\n`);
    pairs.push({ id, title, theirsName, ours: oursResult, theirs: theirsResult, ratio, target });
  };

  await pair("a", "hello world", outpost.hello, "bare workerd", () => startBareWorkerd(WORKERS.hello, COMPATIBILITY_DATE), 0.6);
  await pair(
    "b",
    "KV.get of a hot key",
    outpost.get,
    "Miniflare",
    async () => {
      const mf = await startMiniflare(WORKERS.get, COMPATIBILITY_DATE);
      await expectBody({ port: mf.port }, "/seed", "seeded");
      return mf;
    },
    2,
  );
  await pair("c", "KV.put of a new key", outpost.put, "Miniflare", () => startMiniflare(WORKERS.put, COMPATIBILITY_DATE), 2);

  await pair(
    "f",
    "R2 get of a 1 KiB object (disk driver)",
    outpost.r2get,
    "Miniflare",
    async () => {
      const mf = await startMiniflare(WORKERS.r2get, COMPATIBILITY_DATE);
      await expectBody({ port: mf.port }, "/seed", "seeded");
      return mf;
    },
    1,
  );

  console.log("(d) added latency of one KV.get (p50 of sequential requests)");
  const helloP50 = await sequentialP50({ ...outpost.hello, count: SEQUENTIAL_COUNT });
  const getP50 = await sequentialP50({ ...outpost.get, count: SEQUENTIAL_COUNT });
  const coldP50 = await sequentialP50({ ...outpost.get, path: "/cold", count: SEQUENTIAL_COUNT });
  const postgresP50 = await pointSelectP50(await platform.databaseUrl());
  const added = getP50 - helloP50;
  const coldAdded = coldP50 - helloP50;
  console.log(`  Outpost        get ${fmtMs(getP50)} − hello ${fmtMs(helloP50)} = ${fmtMs(added)} added per KV.get of a hot (cached) key`);
  console.log(`  Outpost        get ${fmtMs(coldP50)} − hello ${fmtMs(helloP50)} = ${fmtMs(coldAdded)} added per KV.get of a cold key (read from Postgres)`);
  console.log(`  Postgres       ${fmtMs(postgresP50)} per point select from Node (postgres package, prepared)`);
  console.log(`  ours/theirs ${(added / postgresP50).toFixed(2)} × (target ≤ 0.3 ms added)\n`);

  console.log("(e) control plane: admin call → first response from the new version");
  const OUTPOST_MASTER_KEY = (await readFile(join(platform.dataDir, "master-key"), "utf8")).trim();
  const second = track(await startPlatform({ env: { DATABASE_URL: await platform.databaseUrl(), OUTPOST_MASTER_KEY } }));
  const controlPlane = await measureControlPlane(platform, second);
  printControlPlane(controlPlane);
  await release(second);

  console.log("(g) queues: send → consumer handler → ack, Outpost (one workerd process) vs Miniflare's queues");
  const queuesPlatform = track(await startPlatform({ env: QUEUES_PLATFORM_ENV }));
  const queues = await measureQueues(queuesPlatform);
  await release(queuesPlatform);
  console.log("");

  console.log("(h) storage: 64 MiB through Outpost's s3 driver vs aws4fetch straight to the same S3 (local Ceph)");
  const largeObjects = await measureLargeObjects();
  for (const [what, { outpost: ours, direct }] of Object.entries(largeObjects)) {
    console.log(
      `  ${what.padEnd(4)} Outpost ${ours.toFixed(0).padStart(5)} MiB/s   direct ${direct.toFixed(0).padStart(5)} MiB/s   ours/theirs ${(ours / direct).toFixed(2)} × (target ≥ 0.8 ×)`,
    );
  }
  console.log("\n(i) assets: a 10 KiB file via Outpost vs bare workerd answering the same bytes from memory");
  const assets = await measureAssets(generator, SECONDS);
  for (const [label, result] of [
    ["Outpost 200", assets.full],
    ["Outpost 304", assets.notModified],
    ["bare workerd", assets.bare],
  ]) {
    const r = /** @type {LoadResult} */ (result);
    console.log(`  ${String(label).padEnd(14)} ${fmtRps(r.rps).padStart(8)} req/s  p50 ${fmtMs(r.p50)}  p99 ${fmtMs(r.p99)}`);
  }
  console.log("");

  await release(platform);
  await cleanUp();

  printTable(pairs, { added, coldAdded, postgresP50 });
  console.log("");
  return {
    pairs,
    kvGetAddedLatency: { helloP50, getP50, coldP50, added, coldAdded, postgresP50, targetMaxMs: 0.3, sequentialCount: SEQUENTIAL_COUNT },
    controlPlane,
    queues,
    largeObjects,
    assets,
  };
}

/**
 * A check that the worker answers what it should before it is measured (a benchmark of
 * error pages would be worthless).
 * @param {Endpoint} endpoint
 * @param {string} path
 * @param {string} body
 */
async function expectBody(endpoint, path, body) {
  const response = await httpRequest(endpoint.port, endpoint.host ?? "127.0.0.1", path);
  if (response.status !== 200 || response.text !== body) {
    throw new Error(
      `${endpoint.host ?? endpoint.port}${path} answered ${response.status} ${JSON.stringify(response.text.slice(0, 300))}, expected 200 ${JSON.stringify(body)}`,
    );
  }
}

/**
 * p50 of sequential primary-key selects on a small table, over one connection.
 * @param {string} url
 */
async function pointSelectP50(url) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`CREATE TABLE IF NOT EXISTS bench_point (pk integer PRIMARY KEY, value text NOT NULL)`;
    await sql`INSERT INTO bench_point SELECT i, 'value' || i FROM generate_series(1, 1000) AS i ON CONFLICT DO NOTHING`;
    const p50 = await medianMs(() => sql`SELECT value FROM bench_point WHERE pk = ${42}`, SEQUENTIAL_COUNT);
    await sql`DROP TABLE bench_point`;
    return p50;
  } finally {
    await sql.end();
  }
}

/**
 * @param {PairResult[]} pairs
 * @param {{ added: number, coldAdded: number, postgresP50: number }} d
 */
function printTable(pairs, d) {
  const header = ["scenario", "Outpost req/s", "p50", "p99", "vs", "req/s", "p50", "p99", "ours/theirs", "target"];
  const rows = pairs.map((p) => [
    `(${p.id}) ${p.title}`,
    fmtRps(p.ours.rps),
    fmtMs(p.ours.p50),
    fmtMs(p.ours.p99),
    p.theirsName,
    fmtRps(p.theirs.rps),
    fmtMs(p.theirs.p50),
    fmtMs(p.theirs.p99),
    `${p.ratio.toFixed(2)} ×`,
    `≥ ${p.target} ×`,
  ]);
  rows.push([
    "(d) added per KV.get, hot",
    "",
    fmtMs(d.added),
    "",
    "Postgres select",
    "",
    fmtMs(d.postgresP50),
    "",
    `${(d.added / d.postgresP50).toFixed(2)} ×`,
    "≤ 0.3 ms",
  ]);
  rows.push([
    "(d) added per KV.get, cold",
    "",
    fmtMs(d.coldAdded),
    "",
    "Postgres select",
    "",
    fmtMs(d.postgresP50),
    "",
    `${(d.coldAdded / d.postgresP50).toFixed(2)} ×`,
    "≤ 0.3 ms",
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => (row[i] ?? "").length)));
  const line = (/** @type {string[]} */ row) =>
    row.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "─".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** @param {Awaited<ReturnType<typeof measureControlPlane>>} c */
function printControlPlane(c) {
  /** @param {string} label @param {{ p50: number, p99: number }} t @param {string} target */
  const row = (label, t, target) => console.log(`  ${label.padEnd(48)} p50 ${fmtMs(t.p50).padStart(9)}  p99 ${fmtMs(t.p99).padStart(9)}  ${target}`);
  row("deploy → first response (same host)", c.deployToFirstResponse, "");
  row("rollback → first response (same host)", c.rollbackSameHost, "(target p50 ≤ 20 ms)");
  row("rollback → first response (other host)", c.rollbackOtherHost, "(target ≤ 1 s)");
  // The deploy loads the new version on every host before it returns (runner/dispatch/warm.ts),
  // so this first request finds a compiled isolate; the load itself is inside the deploy's time.
  row(`first request after deploy, new ${Math.round(c.workerBytes / 1024)} KB version`, c.coldLoad100KB, "");
  row(`later requests, same version (warm)`, c.warm100KB, "");
  console.log(`  first − warm p50: ${fmtMs(c.coldLoad100KB.p50 - c.warm100KB.p50)} (target ≤ 10 ms; the version was loaded during the deploy call)\n`);
}

/** @param {number} rps */
const fmtRps = (rps) => Math.round(rps).toLocaleString("en-US");
/** @param {number} ms */
const fmtMs = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
