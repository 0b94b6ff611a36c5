// Recovery: how soon a killed workerd process serves again. How to read it: on a platform with
// OUTPOST_PROCESSES=2, one workerd process at a time (the two slots in turn) gets SIGKILL; the
// time runs from the kill until the slot's new process answers `GET /healthz` on its private port
// (`--socket-addr private=…`, the same port after a restart), polled every 10 ms once the killed
// process has ended. BENCH_RECOVERY_KILLS kills (default 10) in two series:
// - "isolated": each killed process had run for the pool's HEALTHY_AFTER_MS (30 s) first, so the
//   supervisor restarts it at once, as it does a process that crashes once (the case the target
//   is about); the series waits for that, so it takes about kills × 15 s;
// - "back to back": the next kill as soon as the last one is back, so each slot crash-loops and
//   the supervisor's backoff (0, 250 ms, 500 ms, 1 s, 2 s … per slot) is part of the time.
import { HEALTHY_AFTER_MS } from "../cli/watchdog.js";
import { startPlatform } from "../test/helpers/platform.js";
import { timedRequest } from "./load.js";
import { workerdProcesses } from "../test/helpers/processes.js";
import { ageMs, hasEnded } from "./processes.js";

const POLL_MS = 10;
/** A restart that takes longer than this is a failure of the scenario, not a measurement. */
const GIVE_UP_MS = 60_000;

/** @typedef {{ p50: number, max: number, samples: number[] }} RecoverySeries */

/**
 * @param {number} kills
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<{ kills: number, isolated: RecoverySeries, backToBack: RecoverySeries }>}
 */
export async function measureRecovery(kills, track, release) {
  const platform = track(await startPlatform({ env: { OUTPOST_PROCESSES: "2" } }));
  try {
    const isolated = await killInTurn(platform.dataDir, kills, HEALTHY_AFTER_MS);
    const backToBack = await killInTurn(platform.dataDir, kills, 0);
    return { kills, isolated, backToBack };
  } finally {
    await release(platform);
  }
}

/**
 * @param {string} dataDir
 * @param {number} kills
 * @param {number} minAgeMs  a process is killed only once it has run this long
 * @returns {Promise<RecoverySeries>}
 */
async function killInTurn(dataDir, kills, minAgeMs) {
  /** @type {number[]} */
  const samples = [];
  for (let i = 0; i < kills; i++) {
    const pooled = workerdProcesses(dataDir).filter((proc) => proc.pooled);
    const victim = pooled[i % pooled.length];
    if (!victim) throw new Error(`no workerd process of ${dataDir} found`);
    await sleep(minAgeMs - ageMs(victim.pid));
    const killed = process.hrtime.bigint();
    process.kill(victim.pid, "SIGKILL");
    while (!hasEnded(victim.pid)) await sleep(1);
    for (;;) {
      const answer = await timedRequest({ port: victim.privatePort, path: "/healthz", timeoutMs: 1000 });
      if (answer.status === 200) break;
      if (Number(process.hrtime.bigint() - killed) / 1e6 > GIVE_UP_MS)
        throw new Error(`process on private port ${victim.privatePort} not back within ${GIVE_UP_MS} ms`);
      await sleep(POLL_MS);
    }
    samples.push(Number(process.hrtime.bigint() - killed) / 1e6);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted.at(-1) ?? NaN, samples };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * @param {{ kills: number, isolated: RecoverySeries, backToBack: RecoverySeries }} r
 * @param {(ms: number) => string} fmtMs
 */
export function printRecovery(r, fmtMs) {
  for (const [label, series] of /** @type {const} */ ([
    ["isolated", r.isolated],
    ["back to back", r.backToBack],
  ])) {
    const each = series.samples.map((ms) => Math.round(ms)).join(", ");
    console.log(
      `  ${label.padEnd(12)} kill → serving again: p50 ${fmtMs(series.p50)}  max ${fmtMs(series.max)}  over ${r.kills} kills (${each} ms)${label === "isolated" ? "  (target p50 ≤ 1 s)" : ""}`,
    );
  }
}
