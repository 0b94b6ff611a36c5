// When incidents suspend a worker (docs/security.md, "Blame and suspension"), read from the environment at start.

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ suspendAfter: number, suspendWindowSeconds: number }}
 */
export function suspensionConfig(env) {
  const after = Number(env.OUTPOST_SUSPEND_AFTER ?? "3");
  if (!Number.isInteger(after) || after < 1)
    throw new Error(`OUTPOST_SUSPEND_AFTER must be a whole number of incidents, at least 1, got ${env.OUTPOST_SUSPEND_AFTER}`);
  const window = Number(env.OUTPOST_SUSPEND_WINDOW_SECONDS ?? "600");
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`OUTPOST_SUSPEND_WINDOW_SECONDS must be a whole number of seconds, at least 1, got ${env.OUTPOST_SUSPEND_WINDOW_SECONDS}`);
  }
  return { suspendAfter: after, suspendWindowSeconds: window };
}
