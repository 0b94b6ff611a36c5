import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { checkWorkerLoads } from "../dispatch/load-check.ts";
import { forgetRoute } from "../dispatch/routes.ts";
import type { VersionBindings } from "../dispatch/bindings.ts";
import { DEPLOY_LIMITS, type DeployInput } from "./schemas.ts";

export interface DeployResult {
  worker: string;
  tenant: string;
  version: string;
  /** false when this exact version was already the worker's current one */
  changed: boolean;
}

const encoder = new TextEncoder();
const CONFLICT = "ERR_CONFLICT: worker belongs to another tenant";

/**
 * Stores the version (content-addressed, so an identical redeploy stores nothing new) and
 * points the worker at it in one transaction: a failure leaves the previous version serving.
 */
export async function deployWorker(env: Env, worker: string, tenant: string, input: DeployInput): Promise<DeployResult> {
  const compatibilityDate = input.compatibilityDate ?? env.CONFIG.maxCompatibilityDate;
  if (compatibilityDate > env.CONFIG.maxCompatibilityDate) {
    throw new PlatformError(
      "ERR_BAD_REQUEST",
      400,
      `compatibilityDate ${compatibilityDate} is newer than this platform's workerd supports (${env.CONFIG.maxCompatibilityDate}).`,
    );
  }
  const modules = [...input.modules].sort((a, b) => (a.name < b.name ? -1 : 1));
  const size = modules.reduce((sum, module) => sum + encoder.encode(module.content).byteLength, 0);
  if (size > DEPLOY_LIMITS.MAX_CODE_BYTES) {
    throw new PlatformError("ERR_TOO_LARGE", 413, `The worker's modules total ${size} bytes; the limit is ${DEPLOY_LIMITS.MAX_CODE_BYTES}.`);
  }
  const bindings: VersionBindings = { vars: input.vars, kv: input.kv };
  const compatibilityFlags = [...new Set(input.compatibilityFlags)].sort();
  // Tenant and worker are hashed too: the same code deployed twice is two versions with their own identity.
  const version = await sha256(
    JSON.stringify({ tenant, worker, mainModule: input.mainModule, modules, compatibilityDate, compatibilityFlags, bindings }),
  );

  await checkWorkerLoads(env, { mainModule: input.mainModule, modules, compatibilityDate, compatibilityFlags });

  const [previous] = await database(env).query("SELECT tenant, version_id FROM workers WHERE name = $1", [worker]);
  if (previous && previous.tenant !== tenant) throw workerTaken(worker);

  await database(env).transaction([
    { text: "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", params: [tenant] },
    {
      text: "INSERT INTO kv_namespaces (tenant, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
      params: [tenant, Object.values(input.kv)],
    },
    {
      text: `INSERT INTO versions (id, tenant, worker, main_module, modules, compatibility_date, compatibility_flags, bindings, size_bytes)
             VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7::text[], $8::text::jsonb, $9) ON CONFLICT (id) DO NOTHING`,
      params: [version, tenant, worker, input.mainModule, JSON.stringify(modules), compatibilityDate, compatibilityFlags, JSON.stringify(bindings), size],
    },
    {
      // The WHERE makes a concurrent deploy of the same name by another tenant roll everything back.
      text: `INSERT INTO workers (name, tenant, version_id) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET version_id = excluded.version_id, updated_at = now()
             WHERE workers.tenant = excluded.tenant RETURNING name`,
      params: [worker, tenant, version],
      requireRow: CONFLICT,
    },
  ]).catch((error: unknown) => {
    throw error instanceof Error && error.message === CONFLICT ? workerTaken(worker) : error;
  });
  forgetRoute(worker);
  return { worker, tenant, version, changed: previous?.version_id !== version };
}

function workerTaken(worker: string): PlatformError {
  return new PlatformError("ERR_CONFLICT", 409, `The worker name ${worker} is taken by another tenant; choose another name.`);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
