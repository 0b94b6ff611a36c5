// The open-file limit (RLIMIT_NOFILE) of the workerd processes. Every connection a process holds
// costs it a descriptor, workerd has no connection cap of its own, and a process that runs out
// (accept fails with EMFILE) stops: so each gets as many as the system allows, its soft limit
// raised to the hard one, or the operator's lower OUTPOST_FD_LIMIT. Node cannot call setrlimit:
// workerd is started through /bin/sh, which sets the limit and execs workerd (same pid, same
// command line).
import { spawnSync } from "node:child_process";

const SHELL = "/bin/sh";

/** @returns {number | null} this process's hard limit, or null when it is not a number ("unlimited") */
export function hardFdLimit() {
  const answer = spawnSync(SHELL, ["-c", "ulimit -Hn"], { encoding: "utf8" });
  const limit = Number(answer.stdout?.trim());
  return Number.isSafeInteger(limit) && limit > 0 ? limit : null;
}

/**
 * @param {number | null} hard      the hard limit (null: unknown or unlimited)
 * @param {number | null} operator  OUTPOST_FD_LIMIT, if set
 * @returns {number | null} the limit to set, or null to leave the inherited one
 */
export function fdLimitFor(hard, operator) {
  if (hard === null) return operator;
  return operator === null ? hard : Math.min(hard, operator);
}

/**
 * The command line that runs `command` with `limit` open files. A failing `ulimit` (its error goes
 * to workerd's stderr, hence the log) still starts workerd with the inherited limit: a process that
 * never starts is worse than one with fewer descriptors.
 * @param {number | null} limit
 * @param {string} command
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
export function withFdLimit(limit, command, args) {
  if (limit === null) return [command, args];
  return [SHELL, ["-c", 'ulimit -n "$0"; exec "$@"', String(limit), command, ...args]];
}
