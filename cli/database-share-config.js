// How many database calls one tenant may run at once in one workerd process
// (runner/db/database.ts), read from the environment at start.

/** The calls a process runs at once on its small-call lane (one per connection); a tenant's share is some of them. */
export const DATABASE_CALL_SLOTS = 4;
const DEFAULT_TENANT_CALLS = 3;

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ databaseTenantCalls: number }}
 */
export function databaseShareConfig(env) {
  const calls = Number(env.OUTPOST_DB_TENANT_CALLS ?? DEFAULT_TENANT_CALLS);
  if (!Number.isInteger(calls) || calls < 1 || calls > DATABASE_CALL_SLOTS)
    throw new Error(`OUTPOST_DB_TENANT_CALLS must be a whole number from 1 to ${DATABASE_CALL_SLOTS}, got ${env.OUTPOST_DB_TENANT_CALLS}`);
  return { databaseTenantCalls: calls };
}
