// The workerd processes of one Outpost host, found in /proc by their command line
// (`workerd serve <data dir>/workerd/config.capnp …`), for the pool's tests and benchmarks.
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
 * The processes started by `pid` and by those, found in /proc by their parent: a whole host is
 * killed as one (its `outpost start`, the pool supervisor and the workerd processes).
 * @param {number} pid
 * @returns {number[]}
 */
export function descendants(pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // `pid (comm) state ppid …`: the name may hold spaces and parentheses, so read after its last ")".
    const parent = Number(readOrNull(`/proc/${entry}/stat`)?.split(") ").at(-1)?.split(" ")[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(/** @type {number} */ (queue.shift())) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** @param {string} path */
function readOrNull(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
