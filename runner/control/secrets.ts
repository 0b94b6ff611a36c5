// Admin-side secret management. Values go in and never come out: listing gives names only.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { type VersionBindings, bindingNames } from "../bindings/registry.ts";
import { ROUTES_CHANNEL, forgetRoutes } from "../dispatch/routes.ts";
import { VAULT_SCOPE, workerScope } from "../vault/constants.ts";
import { deleteSecret, listSecrets, putSecret, rotateKey } from "../vault/store.ts";
import { type Scope, actingTenant, requireOperator, workerNotFound } from "./scope.ts";

/** Sets one of a worker's secret bindings; the next request runs with it (no new code version). */
export async function putWorkerSecret(env: Env, scope: Scope, worker: string, name: string, value: string): Promise<void> {
  await putWorkerSecrets(env, scope, worker, { [name]: value });
}

/** Sets several of a worker's secret bindings (`secret bulk`); the next request runs with all of them. */
export async function putWorkerSecrets(env: Env, scope: Scope, worker: string, values: Record<string, string>): Promise<void> {
  const tenant = await ownerOf(env, scope, worker, Object.keys(values));
  for (const [name, value] of Object.entries(values)) await putSecret(env, { tenant, scope: workerScope(worker), name }, value);
  await secretsChanged(env, worker);
}

export async function deleteWorkerSecret(env: Env, scope: Scope, worker: string, name: string): Promise<void> {
  const tenant = await ownerOf(env, scope, worker);
  if (!(await deleteSecret(env, { tenant, scope: workerScope(worker), name }))) {
    throw new PlatformError("ERR_NOT_FOUND", 404, `Worker ${worker} has no secret ${name}.`);
  }
  await secretsChanged(env, worker);
}

export async function listWorkerSecrets(env: Env, scope: Scope, worker: string) {
  return listSecrets(env, await ownerOf(env, scope, worker), workerScope(worker));
}

export async function putVaultSecret(env: Env, scope: Scope, requestedTenant: string | undefined, name: string, value: string): Promise<void> {
  await putSecret(env, { tenant: await existingTenant(env, actingTenant(scope, requestedTenant)), scope: VAULT_SCOPE, name }, value);
}

export async function deleteVaultSecret(env: Env, scope: Scope, requestedTenant: string | undefined, name: string): Promise<void> {
  if (!(await deleteSecret(env, { tenant: actingTenant(scope, requestedTenant), scope: VAULT_SCOPE, name }))) {
    throw new PlatformError("ERR_NOT_FOUND", 404, `The vault has no secret ${name}.`);
  }
}

export async function listVaultSecrets(env: Env, scope: Scope, requestedTenant: string | undefined) {
  return listSecrets(env, actingTenant(scope, requestedTenant), VAULT_SCOPE);
}

export async function rotateSecretsKey(env: Env, scope: Scope) {
  requireOperator(scope);
  return rotateKey(env);
}

/** The worker's tenant, if the scope may see it; refuses any of `names` that a binding uses. */
async function ownerOf(env: Env, scope: Scope, worker: string, names: string[] = []): Promise<string> {
  const [row] = await database(env).query<{ tenant: string; bindings: VersionBindings }>(
    "SELECT w.tenant, v.bindings FROM workers w JOIN versions v ON v.id = w.version_id WHERE w.name = $1",
    [worker],
  );
  if (!row || (scope.tenant !== null && row.tenant !== scope.tenant)) throw workerNotFound(worker);
  const clash = names.find((name) => bindingNames(row.bindings).includes(name));
  if (clash !== undefined) {
    throw new PlatformError("ERR_CONFLICT", 409, `Worker ${worker} already has a binding named ${clash}; a secret cannot replace it.`);
  }
  return row.tenant;
}

async function existingTenant(env: Env, tenant: string): Promise<string> {
  await database(env).query("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", [tenant]);
  return tenant;
}

async function secretsChanged(env: Env, worker: string): Promise<void> {
  await database(env).transaction([
    { text: "UPDATE workers SET secrets_revision = secrets_revision + 1 WHERE name = $1", params: [worker] },
    { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, worker] },
  ]);
  forgetRoutes(worker);
}
