// How many of a workerd process's small-call database connections one tenant may hold at once
// (runner/db/database.ts), read from the environment at start.

/** The connections of a process's small-call lane; a tenant's share is some of them. */
export const DATABASE_CONNECTIONS = 4;
const DEFAULT_TENANT_CONNECTIONS = 3;

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ databaseTenantConnections: number }}
 */
export function databaseShareConfig(env) {
  const connections = Number(env.OUTPOST_DB_TENANT_CONNECTIONS ?? DEFAULT_TENANT_CONNECTIONS);
  if (!Number.isInteger(connections) || connections < 1 || connections > DATABASE_CONNECTIONS)
    throw new Error(`OUTPOST_DB_TENANT_CONNECTIONS must be a whole number from 1 to ${DATABASE_CONNECTIONS}, got ${env.OUTPOST_DB_TENANT_CONNECTIONS}`);
  return { databaseTenantConnections: connections };
}
