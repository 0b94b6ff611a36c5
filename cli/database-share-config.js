// How a workerd process's database connections are shared by tenants (runner/db/database.ts):
// how many small-call connections one tenant may hold at once, and how many bytes per second its
// calls may send; read from the environment at start.

/** The connections of a process's small-call lane; a tenant's share is some of them. */
export const DATABASE_CONNECTIONS = 4;
const DEFAULT_TENANT_CONNECTIONS = 3;
const DEFAULT_TENANT_MIB_PER_SECOND = 8;
const MAX_TENANT_MIB_PER_SECOND = 1_048_576;

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ databaseTenantConnections: number, databaseTenantMibPerSecond: number }}
 */
export function databaseShareConfig(env) {
  const connections = Number(env.OUTPOST_DB_TENANT_CONNECTIONS ?? DEFAULT_TENANT_CONNECTIONS);
  if (!Number.isInteger(connections) || connections < 1 || connections > DATABASE_CONNECTIONS)
    throw new Error(`OUTPOST_DB_TENANT_CONNECTIONS must be a whole number from 1 to ${DATABASE_CONNECTIONS}, got ${env.OUTPOST_DB_TENANT_CONNECTIONS}`);
  const mibPerSecond = Number(env.OUTPOST_DB_TENANT_MIB_PER_SECOND ?? DEFAULT_TENANT_MIB_PER_SECOND);
  if (!Number.isInteger(mibPerSecond) || mibPerSecond < 1 || mibPerSecond > MAX_TENANT_MIB_PER_SECOND)
    throw new Error(
      `OUTPOST_DB_TENANT_MIB_PER_SECOND must be a whole number from 1 to ${MAX_TENANT_MIB_PER_SECOND}, got ${env.OUTPOST_DB_TENANT_MIB_PER_SECOND}`,
    );
  return { databaseTenantConnections: connections, databaseTenantMibPerSecond: mibPerSecond };
}
