// When the supervisor replaces a process for what it holds, kept pure so it can be tested without
// processes. Worker Loader keeps every isolate it loaded until the process ends (it has no unload
// call and reports no memory per isolate), so a process only sheds isolates by being replaced: by a
// fresh one that answers first, then drains (pool.js). The runner counts the isolates it loaded
// (runner/dispatch/isolate-budget.ts); the memory is the process's resident set.

/** How often the supervisor reads each process's memory and compares it with the budget. */
export const BUDGET_EVERY_MS = 1000;

/**
 * The process's resident memory in MB (VmRSS in /proc/<pid>/status), or null where /proc cannot tell.
 * @param {number} pid
 * @param {(path: string) => string} read
 */
export function residentMb(pid, read) {
  try {
    const kb = read(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB$/m)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/**
 * Why a process should be replaced now, or null. Never sooner than the budget's minimum lifetime
 * after it started: a process that fills up at once (a tenant touching many workers) is replaced at
 * that pace at most, not in a loop. Nor for memory a fresh process already has (`baselineMb`, its
 * memory once it answered, before it loaded any isolate; null if unknown): its replacement would be
 * over the limit too.
 * @param {{ isolates: number, rssMb: number | null, baselineMb: number | null, ageMs: number }} proc
 * @param {import("./pool-config.js").Budget} budget
 * @returns {{ reason: "isolates" | "memory", text: string } | null}
 */
export function overBudget({ isolates, rssMb, baselineMb, ageMs }, budget) {
  if (ageMs < budget.minLifetimeMs) return null;
  if (isolates > budget.isolates) {
    return { reason: "isolates", text: `${isolates} isolates loaded, over its budget of ${budget.isolates} (OUTPOST_MAX_ISOLATES_PER_PROCESS)` };
  }
  if (rssMb !== null && rssMb > budget.memoryMb && (baselineMb === null || baselineMb < budget.memoryMb)) {
    return { reason: "memory", text: `${rssMb} MB resident, over its limit of ${budget.memoryMb} MB (OUTPOST_MAX_PROCESS_MEMORY_MB)` };
  }
  return null;
}
