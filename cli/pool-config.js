// The operator's containment settings (docs/security.md, "Containment"), read from the environment at start.
import { availableParallelism } from "node:os";

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {number} [cores]
 * @returns {{ processes: number, stall: { defaultMs: number, maxMs: number }, heapMb: number, fdLimit: number | null }}
 */
export function poolConfig(env, cores = availableParallelism()) {
  const processes = whole(env, "OUTPOST_PROCESSES", Math.max(2, cores), 1, 64);
  const defaultMs = whole(env, "OUTPOST_STALL_MS", 1000, 200, 600_000);
  const maxMs = whole(env, "OUTPOST_MAX_STALL_MS", defaultMs, 200, 600_000);
  if (maxMs < defaultMs) throw new Error(`OUTPOST_MAX_STALL_MS (${maxMs}) must be at least OUTPOST_STALL_MS (${defaultMs})`);
  const heapMb = whole(env, "OUTPOST_HEAP_MB", 512, 32, 16_384);
  // Lowers the open-file limit of each workerd process (fd-limit.js); unset, it is the hard limit.
  const fdLimit = env.OUTPOST_FD_LIMIT ? whole(env, "OUTPOST_FD_LIMIT", 0, 64, 1_048_576) : null;
  return { processes, stall: { defaultMs, maxMs }, heapMb, fdLimit };
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
