// The operator's containment settings (docs/security.md, "Containment"), read from the environment at start.
import { availableParallelism, totalmem } from "node:os";

/**
 * @typedef {object} Budget  when the supervisor replaces a process (cli/budget.js)
 * @property {number} isolates        isolates loaded, at most (OUTPOST_MAX_ISOLATES_PER_PROCESS)
 * @property {number} memoryMb        resident memory, at most (OUTPOST_MAX_PROCESS_MEMORY_MB)
 * @property {number} tenantIsolates  workers of one tenant loaded, at most; past it the runner refuses (OUTPOST_MAX_ISOLATES_PER_TENANT)
 * @property {number} minLifetimeMs   no process is replaced for its budget sooner after it started (OUTPOST_REPLACE_AFTER_SECONDS)
 */

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {number} [cores]
 * @param {number} [memoryMb]  the machine's
 * @returns {{ processes: number, stall: { defaultMs: number, maxMs: number }, heapMb: number, fdLimit: number | null, budget: Budget }}
 */
export function poolConfig(env, cores = availableParallelism(), memoryMb = Math.floor(totalmem() / 2 ** 20)) {
  const processes = whole(env, "OUTPOST_PROCESSES", Math.max(2, cores), 1, 64);
  const defaultMs = whole(env, "OUTPOST_STALL_MS", 1000, 200, 600_000);
  const maxMs = whole(env, "OUTPOST_MAX_STALL_MS", defaultMs, 200, 600_000);
  if (maxMs < defaultMs) throw new Error(`OUTPOST_MAX_STALL_MS (${maxMs}) must be at least OUTPOST_STALL_MS (${defaultMs})`);
  const heapMb = whole(env, "OUTPOST_HEAP_MB", 512, 32, 16_384);
  // Lowers the open-file limit of each workerd process (fd-limit.js); unset, it is the hard limit.
  const fdLimit = env.OUTPOST_FD_LIMIT ? whole(env, "OUTPOST_FD_LIMIT", 0, 64, 1_048_576) : null;
  // A small isolate costs about 4 MB (300 workers: +1.27 GB), so 200 of them fit well within the
  // memory limit; the memory limit catches fewer, larger ones. One tenant may fill a quarter.
  const isolates = whole(env, "OUTPOST_MAX_ISOLATES_PER_PROCESS", 200, 1, 100_000);
  const tenantIsolates = whole(env, "OUTPOST_MAX_ISOLATES_PER_TENANT", Math.min(100, isolates), 1, 100_000);
  // At most 2 GB, and no more than the pool and the probation process together leave of the machine's memory.
  const memoryLimitMb = whole(env, "OUTPOST_MAX_PROCESS_MEMORY_MB", Math.max(256, Math.min(2048, Math.floor(memoryMb / (processes + 1)))), 64, 1_048_576);
  const minLifetimeMs = 1000 * whole(env, "OUTPOST_REPLACE_AFTER_SECONDS", 60, 1, 86_400);
  return { processes, stall: { defaultMs, maxMs }, heapMb, fdLimit, budget: { isolates, memoryMb: memoryLimitMb, tenantIsolates, minLifetimeMs } };
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} name
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function whole(env, name, fallback, min, max) {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return value;
}
