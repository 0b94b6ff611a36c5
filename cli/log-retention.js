// How long each worker's stored logs are kept (docs/operations.md, "Logs"), read from the environment at start.

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ logRetentionEvents: number, logRetentionHours: number }}
 */
export function logRetentionConfig(env) {
  const events = Number(env.OUTPOST_LOG_RETENTION_EVENTS ?? "1000");
  if (!Number.isInteger(events) || events < 1) {
    throw new Error(`OUTPOST_LOG_RETENTION_EVENTS must be a whole number of invocations, at least 1, got ${env.OUTPOST_LOG_RETENTION_EVENTS}`);
  }
  const hours = Number(env.OUTPOST_LOG_RETENTION_HOURS ?? "72");
  if (!Number.isInteger(hours) || hours < 1) {
    throw new Error(`OUTPOST_LOG_RETENTION_HOURS must be a whole number of hours, at least 1, got ${env.OUTPOST_LOG_RETENTION_HOURS}`);
  }
  return { logRetentionEvents: events, logRetentionHours: hours };
}
