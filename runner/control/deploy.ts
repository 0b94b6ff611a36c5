import { database } from "../db/client.ts";
import type { Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { type VersionBindings, bindingNames, createResources, storedBindings } from "../bindings/registry.ts";
import { checkWorkerLoads } from "../dispatch/load-check.ts";
import { workerScope } from "../vault/constants.ts";
import { refuseTakenQueues } from "../queue/deploy.ts";
import { checkManifest } from "./assets.ts";
import { runnableCompatibility } from "./compat-date.ts";
import { lockDomains } from "./domains.ts";
import { NAME_HELD, holdCheck, nameHeld, refuseHeldName, refuseReservedName } from "./names.ts";
import { ROUTE_UNOWNED, checkedRoutes, refuseTakenRoutes, refuseUnownedRoutes, routeOwnershipCheck } from "./route-checks.ts";
import { ROUTES_CHANNEL, forgetRoutes } from "../dispatch/routes.ts";
import { DEPLOY_LIMITS, type DeployInput } from "../admin/schemas.ts";
import { deployLiftsSuspension, liftSuspension } from "./incidents.ts";
import { log } from "../logs/log.ts";
import { sha256Hex } from "../encoding.ts";
import { QUOTA_SQL } from "../quota/sql.ts";

export interface DeployResult {
  worker: string;
  tenant: string;
  version: string;
  /** false when this exact version was already the one serving (or rolling out) */
  changed: boolean;
  /** set when the version was deployed as a gradual rollout instead of taking all traffic */
  rolloutPercent?: number;
  /** where the worker answers: its name under the platform's public origin */
  url: string;
  /** what the platform changed about the request, for the CLI to print */
  warnings?: string[];
}

const encoder = new TextEncoder();
const TAKEN = "ERR_CONFLICT: worker belongs to another tenant";
const ROUTE_TAKEN = "ERR_CONFLICT: route taken";

/**
 * Stores the version (content-addressed, so an identical redeploy stores nothing new) and, in
 * the same transaction, points the worker and its routes at it: a failure at any step leaves
 * the previous version serving and nothing of the new one stored.
 */
export async function deployWorker(env: Env, worker: string, tenant: string, input: DeployInput): Promise<DeployResult> {
  refuseReservedName(env, worker);
  const {
    date: compatibilityDate,
    flags: compatibilityFlags,
    warnings,
  } = runnableCompatibility(input.compatibilityDate ?? env.CONFIG.maxCompatibilityDate, input.compatibilityFlags, env.CONFIG.maxCompatibilityDate);
  const modules = [...input.modules].sort((a, b) => (a.name < b.name ? -1 : 1));
  const size = modules.reduce((sum, module) => sum + encoder.encode(module.content).byteLength, 0);
  if (size > DEPLOY_LIMITS.MAX_CODE_BYTES) {
    throw new PlatformError("ERR_TOO_LARGE", 413, `The worker's modules total ${size} bytes; the limit is ${DEPLOY_LIMITS.MAX_CODE_BYTES}.`);
  }
  const bindings = storedBindings(input);
  // The assets binding's name is part of `bindings`; the rest says how the version serves them.
  const { binding: _inBindings, ...assets } = input.assets ?? {};
  const assetConfig = input.assets ? assets : null;
  const routes = checkedRoutes(env, input.routes);
  const patterns = routes.map((route) => route.pattern);
  // Tenant and worker are hashed too: the same code deployed twice is two versions with their own identity.
  const cpuMs = input.limits?.cpuMs;
  // Limits are hashed only when set, so versions deployed before they existed keep their ids.
  const limits = cpuMs === undefined ? {} : { limits: { cpuMs } };
  const observability = input.observability?.enabled === true;
  const samplingRate = observability ? (input.observability?.headSamplingRate ?? 1) : 1;
  const version = await sha256Hex(
    JSON.stringify({
      tenant,
      worker,
      mainModule: input.mainModule,
      modules,
      compatibilityDate,
      compatibilityFlags,
      bindings,
      assets: assetConfig,
      ...limits,
      ...(observability ? { observability } : {}),
      ...(samplingRate < 1 ? { samplingRate } : {}),
    }),
  );
  // Before the load check, the costly part: a tenant over its deploys per minute loads nothing.
  await database(env).query(QUOTA_SQL.countDeploy, [tenant]);
  // Before the load check: loading the version that got the worker suspended could stall a process again.
  const lifts = await deployLiftsSuspension(env, tenant, worker, version);

  const code = { mainModule: input.mainModule, modules, compatibilityDate, compatibilityFlags, bindings, cpuMs };
  const entrypoints = await checkWorkerLoads(env, { tenant, worker, version }, code);
  const db = database(env);
  const [previous] = await db.query("SELECT tenant, version_id, rollout_version_id FROM workers WHERE name = $1", [worker]);
  if (previous && previous.tenant !== tenant) throw workerTaken(worker);
  await refuseHeldName(env, worker, tenant);
  await refuseBadTargets(env, tenant, worker, input.services);
  await refuseSecretClashes(env, tenant, worker, bindings);
  await refuseUnownedRoutes(env, tenant, routes);
  await refuseTakenRoutes(env, tenant, worker, patterns);
  await refuseTakenQueues(env, tenant, worker, input.queues);
  // Last: `outpost deploy` uploads missing assets only once every other check has passed.
  if (input.assets) await checkManifest(env, tenant, input.assets.files);

  const rollout = input.rolloutPercent !== undefined && previous !== undefined;
  const pointWorker: Statement = rollout
    ? {
        text: `UPDATE workers SET rollout_version_id = $3, rollout_percent = $4, updated_at = now()
               WHERE name = $1 AND tenant = $2 RETURNING name`,
        params: [worker, tenant, version, input.rolloutPercent ?? 0],
        requireRow: TAKEN,
      }
    : {
        // The WHERE makes a concurrent deploy of the same name by another tenant roll everything back.
        text: `INSERT INTO workers (name, tenant, version_id) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO UPDATE
                 SET version_id = excluded.version_id, rollout_version_id = NULL, rollout_percent = NULL, updated_at = now()
                 WHERE workers.tenant = excluded.tenant
               RETURNING name`,
        params: [worker, tenant, version],
        requireRow: TAKEN,
      };
  await db
    .transaction([
      // Shared: deploys run side by side, a domain change waits (control/domains.ts).
      lockDomains("shared"),
      { text: "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", params: [tenant] },
      ...createResources(tenant, input),
      {
        text: `INSERT INTO versions (id, tenant, worker, main_module, modules, compatibility_date, compatibility_flags, bindings, size_bytes, message, entrypoints, assets, cpu_ms, observability, head_sampling_rate)
               VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7::text[], $8::text::jsonb, $9, $10, $11::text[], $12::text::jsonb, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
        params: [
          version,
          tenant,
          worker,
          input.mainModule,
          JSON.stringify(modules),
          compatibilityDate,
          compatibilityFlags,
          JSON.stringify(bindings),
          size,
          input.message ?? null,
          entrypoints,
          assetConfig && JSON.stringify(assetConfig),
          cpuMs ?? null,
          observability,
          samplingRate,
        ],
      },
      pointWorker,
      liftSuspension(tenant, worker, version),
      ...holdCheck(env, worker, tenant),
      routeOwnershipCheck(tenant, routes),
      { text: "DELETE FROM routes WHERE worker = $1 AND pattern <> ALL($2::text[])", params: [worker, patterns] },
      {
        // The tenant owns these hosts, so another tenant's route with the pattern no longer serves: replace it.
        text: "DELETE FROM routes r USING workers w WHERE w.name = r.worker AND w.tenant <> $1 AND r.pattern = ANY($2::text[])",
        params: [tenant, patterns],
      },
      {
        text: `INSERT INTO routes (pattern, worker) SELECT unnest($2::text[]), $1 ON CONFLICT (pattern) DO NOTHING`,
        params: [worker, patterns],
      },
      {
        // A deploy racing ours took one of the patterns: roll back rather than serve half the routes.
        text: "SELECT 1 AS free WHERE NOT EXISTS (SELECT 1 FROM routes WHERE pattern = ANY($2::text[]) AND worker <> $1)",
        params: [worker, patterns],
        requireRow: ROUTE_TAKEN,
      },
      pruneVersions(worker, env.CONFIG.keepVersions),
      { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, worker] },
    ])
    .catch((error: unknown) => {
      if (error instanceof Error && error.message === TAKEN) throw workerTaken(worker);
      if (error instanceof Error && error.message === ROUTE_TAKEN)
        throw new PlatformError("ERR_CONFLICT", 409, "A route was taken by another worker while deploying; deploy again.");
      if (error instanceof Error && error.message === ROUTE_UNOWNED)
        throw new PlatformError("ERR_CONFLICT", 409, "A domain this deploy routes on changed owner while deploying; deploy again.");
      if (error instanceof Error && error.message === NAME_HELD) throw nameHeld(env, worker);
      throw error;
    });
  forgetRoutes(worker);
  if (lifts) log.info(`worker ${worker} resumed`, { tenant, worker, version, by: "deploy of a changed version" });
  const serving = rollout ? previous?.rollout_version_id : previous?.version_id;
  const url = workerUrl(env.CONFIG.publicUrl, worker);
  return {
    worker,
    tenant,
    version,
    changed: serving !== version,
    ...(rollout ? { rolloutPercent: input.rolloutPercent as number } : {}),
    url,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * Deletes all but the worker's newest `keep` versions (OUTPOST_KEEP_VERSIONS), never the
 * serving or rolling-out one. Their isolates age out of the Worker Loader cache.
 */
function pruneVersions(worker: string, keep: number): Statement {
  return {
    text: `DELETE FROM versions v WHERE v.worker = $1
             AND v.id NOT IN (SELECT id FROM versions WHERE worker = $1 ORDER BY created_at DESC, id DESC LIMIT $2)
             AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.version_id = v.id OR w.rollout_version_id = v.id)`,
    params: [worker, keep],
  };
}

/** Service bindings target workers of the tenant that exist (or the worker itself), as Cloudflare checks at upload. */
async function refuseBadTargets(env: Env, tenant: string, worker: string, services: DeployInput["services"]): Promise<void> {
  const targets = [...new Set(Object.values(services).map((binding) => binding.service))];
  if (targets.length === 0) return;
  const rows = await database(env).query<{ name: string; tenant: string }>("SELECT name, tenant FROM workers WHERE name = ANY($1::text[])", [targets]);
  const foreign = rows.filter((row) => row.tenant !== tenant);
  if (foreign.length > 0) {
    const names = foreign.map((row) => row.name).sort();
    throw new PlatformError(
      "ERR_FORBIDDEN",
      403,
      `Service bindings may only target workers of the same tenant; ${names.join(", ")} belong${names.length === 1 ? "s" : ""} to another tenant.`,
    );
  }
  const existing = new Set([worker, ...rows.map((row) => row.name)]);
  const missing = Object.entries(services).find(([, binding]) => !existing.has(binding.service));
  if (missing) {
    const [binding, { service }] = missing;
    throw new PlatformError(
      "ERR_BAD_REQUEST",
      400,
      `Could not resolve service binding '${binding}'. Target script '${service}' not found. Please verify the target script and try again.`,
    );
  }
}

/** A binding may not share its name with one of the worker's secrets (as on Cloudflare). */
async function refuseSecretClashes(env: Env, tenant: string, worker: string, bindings: VersionBindings): Promise<void> {
  const names = bindingNames(bindings);
  if (names.length === 0) return;
  const rows = await database(env).query<{ name: string }>(
    "SELECT name FROM secrets WHERE tenant = $1 AND scope = $2 AND name = ANY($3::text[]) ORDER BY name",
    [tenant, workerScope(worker), names],
  );
  const [first] = rows;
  if (first) throw new PlatformError("ERR_CONFLICT", 409, `Binding ${first.name} is already a secret of worker ${worker}; rename one of them.`);
}

function workerTaken(worker: string): PlatformError {
  return new PlatformError("ERR_CONFLICT", 409, `The worker name ${worker} is taken by another tenant; choose another name.`);
}

/** `https://NAME.example.com/` for the public origin `https://example.com`. */
function workerUrl(publicUrl: string, worker: string): string {
  const origin = new URL(publicUrl);
  return `${origin.protocol}//${worker}.${origin.host}/`;
}
