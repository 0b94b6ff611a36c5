// Throughput of the process pool. How to read it: hello world through Outpost with
// OUTPOST_PROCESSES=2, with OUTPOST_PROCESSES=1, and bare workerd with 2 processes on one socket
// (all three up at once, measured in turn, BENCH_POOL_ROUNDS rounds (default 2) of a warm-up and a
// measured run each, so that drift in the machine's load hits all alike). Same load generator and
// connections as the other scenarios. req/s is the mean over the rounds, p50/p99 the median; "CPU" is the user + system time of all the host's workerd processes
// (/proc/PID/stat, read every 250 ms during each measured run) per 1,000 requests.
// "processes changed": a workerd process ended or started during a run (a watchdog kill under
// load, for example; the "watchdog kills" count says how many). Its last 250 ms of CPU may be missing.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startPlatform } from "../test/helpers/platform.js";
import { load } from "./load.js";
import { workerdProcesses } from "../test/helpers/processes.js";
import { cpuMeter } from "./processes.js";
import { startBareWorkerdPool } from "./targets.js";

/**
 * @typedef {import("./load.js").LoadResult} LoadResult
 * @typedef {{ rps: number, p50: number, p99: number, requests: number, failures: number, cpuSecondsPer1000: number, processesChanged: boolean, stallKills: number, rounds: LoadResult[] }} PoolRun
 * @typedef {{ two: PoolRun, one: PoolRun, bare: LoadResult & { rounds: LoadResult[] }, poolRatio: number, cpuRatio: number, bareRatio: number }} PoolResult
 */

/**
 * @param {import("./load.js").Generator} generator
 * @param {{ seconds: number, warmupSeconds: number, connections: number, rounds: number, worker: string, compatibilityDate: string }} options
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<PoolResult>}
 */
export async function measurePool(generator, options, track, release) {
  const { seconds, warmupSeconds, connections, rounds, worker, compatibilityDate } = options;
  const platforms = {
    two: track(await startPlatform({ env: { OUTPOST_PROCESSES: "2" } })),
    one: track(await startPlatform({ env: { OUTPOST_PROCESSES: "1" } })),
  };
  const bareTarget = track(await startBareWorkerdPool(worker, compatibilityDate, 2));
  for (const platform of Object.values(platforms)) {
    const file = join(platform.dataDir, "bench-hello.js");
    await writeFile(file, worker);
    await platform.deploy("bench-hello", file, { compatibilityDate });
  }

  /** @type {Record<"two" | "one", { result: LoadResult, cpu: number, changed: boolean, stallKills: number }[]>} */
  const runs = { two: [], one: [] };
  /** @type {LoadResult[]} */
  const bareRuns = [];
  for (let round = 0; round < rounds; round++) {
    await load(generator, { port: bareTarget.port, connections, seconds: warmupSeconds });
    const bare = await load(generator, { port: bareTarget.port, connections, seconds });
    bareRuns.push(bare);
    console.log(`  round ${round + 1} ${"bare workerd, 2 processes".padEnd(26)} ${line(bare)}`);
    for (const which of /** @type {const} */ (["two", "one"])) {
      const platform = platforms[which];
      const endpoint = { port: platform.port, host: "bench-hello.localhost", connections };
      await load(generator, { ...endpoint, seconds: warmupSeconds });
      const processes = workerdProcesses(platform.dataDir).length;
      const eventsBefore = platform.events().length;
      const meter = cpuMeter(platform.dataDir);
      const result = await load(generator, { ...endpoint, seconds });
      const { cpuSeconds: cpu, processes: used } = meter.stop();
      const changed = used !== processes;
      const stallKills = platform
        .events()
        .slice(eventsBefore)
        .filter((event) => event.src === "outpost" && /^workerd process \d+ ran .*killing it$/.test(String(event.msg))).length;
      runs[which].push({ result, cpu, changed, stallKills });
      console.log(
        `  round ${round + 1} ${(which === "two" ? "Outpost, 2 processes" : "Outpost, 1 process").padEnd(26)} ${line(result)}  CPU ${fmtCpu(cpu, result.requests)}${changes({ processesChanged: changed, stallKills })}`,
      );
    }
  }
  await release(bareTarget);
  await release(platforms.one);
  await release(platforms.two);

  const two = combine(runs.two);
  const one = combine(runs.one);
  const bare = { ...summarize(bareRuns), rounds: bareRuns };
  return { two, one, bare, poolRatio: two.rps / one.rps, cpuRatio: two.cpuSecondsPer1000 / one.cpuSecondsPer1000, bareRatio: two.rps / bare.rps };
}

/** @param {{ result: LoadResult, cpu: number, changed: boolean, stallKills: number }[]} runs @returns {PoolRun} */
function combine(runs) {
  const rounds = runs.map((run) => run.result);
  const summary = summarize(rounds);
  const cpu = runs.reduce((sum, run) => sum + run.cpu, 0);
  return {
    ...summary,
    cpuSecondsPer1000: (cpu / summary.requests) * 1000,
    processesChanged: runs.some((run) => run.changed),
    stallKills: runs.reduce((sum, run) => sum + run.stallKills, 0),
    rounds,
  };
}

/**
 * Mean req/s, median p50 and p99, total requests and failures over the rounds.
 * @param {LoadResult[]} rounds
 * @returns {LoadResult}
 */
function summarize(rounds) {
  return {
    rps: rounds.reduce((sum, r) => sum + r.rps, 0) / rounds.length,
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    requests: rounds.reduce((sum, r) => sum + r.requests, 0),
    failures: rounds.reduce((sum, r) => sum + r.failures, 0),
  };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** @param {LoadResult} r */
const line = (r) =>
  `${Math.round(r.rps).toLocaleString("en-US").padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms${r.failures > 0 ? `  (${r.failures} of ${r.requests} failed)` : ""}`;
/** @param {number} cpu @param {number} requests */
const fmtCpu = (cpu, requests) => `${((cpu / requests) * 1000).toFixed(3)} s per 1,000 requests`;

/** @param {{ processesChanged: boolean, stallKills: number }} run */
const changes = (run) => (run.processesChanged ? `  (processes changed; watchdog kills: ${run.stallKills})` : "");

/** @param {PoolResult} p */
export function printPool(p) {
  console.log(`  ${"Outpost, 2 processes".padEnd(34)} ${line(p.two)}  CPU ${p.two.cpuSecondsPer1000.toFixed(3)} s per 1,000 requests${changes(p.two)}`);
  console.log(`  ${"Outpost, 1 process".padEnd(34)} ${line(p.one)}  CPU ${p.one.cpuSecondsPer1000.toFixed(3)} s per 1,000 requests${changes(p.one)}`);
  console.log(`  ${"bare workerd, 2 processes".padEnd(34)} ${line(p.bare)}`);
  console.log(`  2 processes / 1 process: ${p.poolRatio.toFixed(2)} × req/s (target ≥ 1.4 ×), ${p.cpuRatio.toFixed(2)} × CPU per request (target ≤ 1 ×)`);
  console.log(`  Outpost / bare workerd, 2 processes each: ${p.bareRatio.toFixed(2)} × req/s (target ≥ 0.40 ×)`);
}
