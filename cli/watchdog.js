// The pool's decisions, kept pure so they can be tested without processes: how long a process
// may go without answering before it is killed, how long to wait before restarting a slot, and
// what a process had in flight when it was killed or died.

/** How often each process is asked whether its event loop still turns. */
export const PROBE_EVERY_MS = 100;
/** A process that has not answered once within this after starting is killed and started again. */
export const STARTUP_LIMIT_MS = 60_000;
/** A slot whose process ran this long counts as healthy again: its next crash restarts at once. */
export const HEALTHY_AFTER_MS = 30_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * @typedef {{ id: string, tenant: string, worker: string, version: string, stallMs?: number, startedAt: number }} Invocation
 */

/**
 * The stall limit for a process: the smallest limit among the invocations in flight. An
 * invocation's limit is its worker's `limits.cpu_ms` (kept between what the probe can resolve and
 * the operator's maximum) or else the operator's default; with nothing in flight, the default.
 * @param {Iterable<Invocation>} inFlight
 * @param {{ defaultMs: number, maxMs: number }} limits
 */
export function stallLimit(inFlight, { defaultMs, maxMs }) {
  let limit = Infinity;
  for (const { stallMs } of inFlight) {
    limit = Math.min(limit, stallMs === undefined ? defaultMs : Math.min(Math.max(stallMs, 2 * PROBE_EVERY_MS), maxMs));
  }
  return limit === Infinity ? defaultMs : limit;
}

/**
 * Delay before starting a slot's process again after `failures` consecutive deaths: the first
 * restart is immediate (a crash costs as little as possible), then it doubles up to 5 s. It never
 * gives up: a platform that stops restarting is down for every tenant.
 * @param {number} failures  consecutive deaths, counting this one (≥ 1)
 */
export function restartDelay(failures) {
  return failures <= 1 ? 0 : Math.min(MAX_BACKOFF_MS, 250 * 2 ** (failures - 2));
}

/**
 * CPU time the process's main thread (the one that runs every isolate's JavaScript) has used, in
 * ms, or null where /proc cannot tell. The watchdog counts a stall in this time, not in wall-clock
 * time: a process that is merely waiting for a core on a busy machine is not stuck.
 * @param {number} pid
 * @param {(path: string) => string} read
 */
export function mainThreadCpuMs(pid, read) {
  try {
    const stat = read(`/proc/${pid}/task/${pid}/stat`);
    // Fields after the command name (which may contain spaces) in parentheses; utime and stime are
    // the 14th and 15th, in clock ticks of 1/100 s (USER_HZ on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/**
 * What to tell the runner about a killed or crashed process: the invocations it had in flight,
 * one per id, oldest first. The runner decides whether blame is certain.
 * @param {Map<string, Invocation>} inFlight
 */
export function suspectsOf(inFlight) {
  return [...inFlight.values()].sort((a, b) => a.startedAt - b.startedAt).map(({ id, tenant, worker, version }) => ({ id, tenant, worker, version }));
}

/**
 * Why a process ended, from how it ended and what it printed last. `descriptors` (it ran out of
 * them accepting a connection) is logged but blames no worker: clients' connections caused it.
 * @param {{ killedForStall: boolean, outOfMemory: boolean, outOfDescriptors: boolean }} seen
 * @returns {"cpu" | "memory" | "descriptors" | "crash"}
 */
export function incidentKind({ killedForStall, outOfMemory, outOfDescriptors }) {
  if (killedForStall) return "cpu";
  if (outOfMemory) return "memory";
  return outOfDescriptors ? "descriptors" : "crash";
}
