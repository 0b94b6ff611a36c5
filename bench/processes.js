// What /proc tells about the workerd processes of one Outpost host, for the pool and recovery scenarios.
import { readFileSync } from "node:fs";
import { workerdProcesses } from "../test/helpers/processes.js";

/**
 * CPU time (user + system, all threads) a process has used, in seconds, or null once it is gone.
 * Fields 14 and 15 of /proc/PID/stat, after the command name in parentheses, in clock ticks of
 * 1/100 s (USER_HZ on Linux).
 * @param {number} pid
 */
function cpuSeconds(pid) {
  const fields = statFields(pid);
  return fields === null ? null : (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Measures the CPU time of a host's workerd processes over a stretch of time, processes that start
 * or end within it included: it reads them every 250 ms (a process that ends loses at most its
 * last 250 ms; one that starts counts from zero).
 * @param {string} dataDir
 */
export function cpuMeter(dataDir) {
  /** @type {Map<number, { first: number, last: number }>} */
  const seen = new Map();
  let started = false;
  const read = () => {
    for (const { pid } of workerdProcesses(dataDir)) {
      const now = cpuSeconds(pid);
      if (now === null) continue;
      const known = seen.get(pid);
      if (known) known.last = now;
      else seen.set(pid, { first: started ? 0 : now, last: now });
    }
  };
  read();
  started = true;
  const timer = setInterval(read, 250);
  return {
    /** @returns {{ cpuSeconds: number, processes: number }} CPU time since the start, and how many processes used it */
    stop() {
      clearInterval(timer);
      read();
      let total = 0;
      for (const { first, last } of seen.values()) total += last - first;
      return { cpuSeconds: total, processes: seen.size };
    },
  };
}

/**
 * How long a process has been running, in ms: field 22 of /proc/PID/stat (its start, in clock
 * ticks after boot) against /proc/uptime.
 * @param {number} pid
 */
export function ageMs(pid) {
  const fields = statFields(pid);
  const uptime = readOrNull("/proc/uptime");
  if (fields === null || uptime === null) return 0;
  const startedTicks = Number(fields[19]);
  return Number(uptime.split(" ")[0]) * 1000 - startedTicks * 10;
}

/**
 * Whether a process has ended (gone, or a zombie waiting for its parent: its sockets are closed).
 * @param {number} pid
 */
export function hasEnded(pid) {
  const fields = statFields(pid);
  return fields === null || fields[0] === "Z";
}

/**
 * The fields of /proc/PID/stat after the command name (which may contain spaces) in parentheses,
 * so the state is [0]; null once the process is gone.
 * @param {number} pid
 */
function statFields(pid) {
  const stat = readOrNull(`/proc/${pid}/stat`);
  return stat === null ? null : stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** @param {string} path */
function readOrNull(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
