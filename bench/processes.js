// The workerd processes of one Outpost host, found in /proc by their command line
// (`workerd serve <data dir>/workerd/config.capnp …`), for the pool and recovery scenarios.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * @typedef {object} WorkerdProcess
 * @property {number} pid
 * @property {number} privatePort  its `--socket-addr private=127.0.0.1:PORT`
 * @property {boolean} pooled      serves the shared public socket (`--socket-fd public=3`)
 */

/**
 * @param {string} dataDir  the host's data directory
 * @returns {WorkerdProcess[]}
 */
export function workerdProcesses(dataDir) {
  const config = join(dataDir, "workerd", "config.capnp");
  /** @type {WorkerdProcess[]} */
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readOrNull(`/proc/${entry}/cmdline`)?.split("\0") ?? [];
    if (!args[0]?.endsWith("/workerd") || args[1] !== "serve" || args[2] !== config) continue;
    const privateAddress = args.find((arg) => arg.startsWith("private=")) ?? "";
    found.push({ pid: Number(entry), privatePort: Number(privateAddress.split(":").at(-1)), pooled: args.includes("public=3") });
  }
  return found.sort((a, b) => a.privatePort - b.privatePort);
}

/**
 * CPU time (user + system, all threads) a process has used, in seconds, or null once it is gone.
 * Fields 14 and 15 of /proc/PID/stat, after the command name in parentheses, in clock ticks of
 * 1/100 s (USER_HZ on Linux).
 * @param {number} pid
 */
export function cpuSeconds(pid) {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
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
  const stat = readOrNull(`/proc/${pid}/stat`);
  const uptime = readOrNull("/proc/uptime");
  if (stat === null || uptime === null) return 0;
  const startedTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  return Number(uptime.split(" ")[0]) * 1000 - startedTicks * 10;
}

/**
 * Whether a process has ended (gone, or a zombie waiting for its parent: its sockets are closed).
 * @param {number} pid
 */
export function hasEnded(pid) {
  const stat = readOrNull(`/proc/${pid}/stat`);
  return stat === null || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

/** @param {string} path */
function readOrNull(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
