import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { KvProps } from "../kv/contract.ts";
import type { EgressProps } from "../egress/contract.ts";
import type { ServiceProps } from "../services/contract.ts";
import type { R2Props } from "../r2/contract.ts";
import type { AssetsProps } from "../assets/contract.ts";
import type { TailProps } from "../logs/events.ts";
import { errorText, log } from "../logs/log.ts";
import { workerScope } from "../vault/constants.ts";
import type { VaultProps } from "../vault/contract.ts";
import { queueProducerProps } from "../queue/bind.ts";
import type { QueueProps } from "../queue/contract.ts";
import { secretsOf } from "../vault/store.ts";
import { type BindingManifest, type VersionBindings, bindingManifest } from "./bindings.ts";
import { ENTRY_MODULE, MANIFEST_MODULE, SHIMS_MODULE, WORKERS_MODULE, WORKERS_MODULE_SOURCE, entryModule } from "./entry-module.ts";
import type { Route } from "./routes.ts";
import { fromBase64 } from "../encoding.ts";

declare const __OUTPOST_SHIMS__: string;

/** The runner's own entrypoints as loopback bindings; `props` is fixed when the stub is made. */
interface RunnerExports {
  Kv(options: { props: KvProps }): Fetcher;
  Egress(options: { props: EgressProps }): Fetcher;
  Service(options: { props: ServiceProps }): Fetcher;
  Vault(options: { props: VaultProps }): Fetcher;
  Queue(options: { props: QueueProps }): Fetcher;
  R2(options: { props: R2Props }): Fetcher;
  Assets(options: { props: AssetsProps }): Fetcher;
  Tail(options: { props: TailProps }): Fetcher;
}

export interface StoredModule {
  name: string;
  type: "esm" | "cjs" | "text" | "data" | "json" | "wasm";
  /** Text as is; base64 for `data` and `wasm`. */
  content: string;
}

/**
 * The isolate for a version. Worker Loader keeps it warm by id; the id includes the platform
 * build, so an upgraded shim never runs beside old code, and the worker's secrets revision, so
 * a changed secret reaches the next request without a new code version.
 */
export function loadVersion(env: Env, ctx: ExecutionContext, route: Route, versionId: string): WorkerStub {
  return env.LOADER.get(`${versionId}:${env.CONFIG.build}:${route.secretsRevision}`, () =>
    workerCode(env, ctx, route, versionId).catch((error: unknown) => {
      // The platform's own failure (the error reaching the caller may be the tenant's instead).
      log.error("could not build the worker's isolate", { tenant: route.tenant, worker: route.worker, version: versionId, error: errorText(error) });
      throw error;
    }),
  );
}

async function workerCode(env: Env, ctx: ExecutionContext, route: Route, versionId: string): Promise<WorkerLoaderWorkerCode> {
  const db = database(env);
  // Independent reads run together: a cold load waits for two round trips, not five.
  const [[version], secrets] = await Promise.all([
    db.query("SELECT main_module, modules, compatibility_date, compatibility_flags, bindings, entrypoints, observability FROM versions WHERE id = $1", [versionId]),
    secretsOf(env, route.tenant, workerScope(route.worker)),
  ]);
  if (!version) throw new Error(`version ${versionId} of worker ${route.worker} is missing from the database`);
  const bindings = version.bindings as VersionBindings;
  const exports = (ctx as unknown as { exports: RunnerExports }).exports;
  const kvNames = Object.values(bindings.kv);
  const buckets = Object.entries(bindings.r2 ?? {});
  const compatibility = [version.compatibility_date as string, version.compatibility_flags as string[]] as const;
  const [namespaceRows, bucketRows, queueProps] = await Promise.all([
    kvNames.length === 0 ? [] : db.query("SELECT id::text AS id, name FROM kv_namespaces WHERE tenant = $1 AND name = ANY($2::text[])", [route.tenant, kvNames]),
    buckets.length === 0
      ? []
      : db.query("SELECT id::text AS id, name FROM r2_buckets WHERE tenant = $1 AND name = ANY($2::text[])", [route.tenant, buckets.map(([, bucket]) => bucket)]),
    queueProducerProps(env, route.tenant, route.worker, bindings.queueProducers ?? {}, ...compatibility),
  ]);

  // Secret bindings first: the deploy and `secret put` refuse names that clash with bindings.
  const tenantEnv: Record<string, unknown> = { ...secrets, ...bindings.vars };
  if (kvNames.length > 0) {
    const ids = new Map(namespaceRows.map((row) => [row.name as string, row.id as string]));
    for (const [binding, namespace] of Object.entries(bindings.kv)) {
      const namespaceId = ids.get(namespace);
      if (!namespaceId) throw new Error(`KV namespace ${namespace} of tenant ${route.tenant} is missing`);
      tenantEnv[binding] = exports.Kv({ props: { tenant: route.tenant, worker: route.worker, binding, namespaceId } });
    }
  }

  if (buckets.length > 0) {
    const ids = new Map(bucketRows.map((row) => [row.name as string, row.id as string]));
    for (const [binding, bucket] of buckets) {
      const bucketId = ids.get(bucket);
      if (!bucketId) throw new Error(`R2 bucket ${bucket} of tenant ${route.tenant} is missing`);
      tenantEnv[binding] = exports.R2({ props: { tenant: route.tenant, worker: route.worker, binding, bucketId } });
    }
  }
  // A Fetcher as on Cloudflare: no shim needed.
  if (bindings.assets) tenantEnv[bindings.assets] = exports.Assets({ props: { tenant: route.tenant, versionId } });
  const vault = (binding: string, secret?: string) =>
    exports.Vault({ props: { tenant: route.tenant, worker: route.worker, binding, ...(secret === undefined ? {} : { secret }) } });
  for (const binding of bindings.vaults ?? []) {
    tenantEnv[binding] = vault(binding);
  }
  for (const [binding, { secret }] of Object.entries(bindings.secretsStore ?? {})) {
    tenantEnv[binding] = vault(binding, secret);
  }
  for (const [binding, { service, entrypoint }] of Object.entries(bindings.services ?? {})) {
    tenantEnv[binding] = exports.Service({ props: { tenant: route.tenant, worker: route.worker, binding, target: service, entrypoint } });
  }
  for (const [binding, props] of queueProps) {
    tenantEnv[binding] = exports.Queue({ props });
  }

  const modules: Record<string, WorkerLoaderModule> = {};
  for (const module of version.modules as StoredModule[]) modules[module.name] = loaderModule(module);
  modules[ENTRY_MODULE] = { js: entryModule(version.main_module as string, version.entrypoints as string[]) };
  Object.assign(modules, platformModules(bindingManifest(bindings)));

  return {
    compatibilityDate: version.compatibility_date as string,
    compatibilityFlags: version.compatibility_flags as string[],
    mainModule: ENTRY_MODULE,
    modules,
    env: tenantEnv,
    globalOutbound: exports.Egress({ props: { tenant: route.tenant, worker: route.worker } }),
    // The tenant's console output and uncaught exceptions reach the log only through its tail, and
    // only when the version turned observability on: a tail costs about as much CPU as the request
    // itself (README, "Logs"), so, as with Cloudflare's Workers Logs, it is opt-in.
    ...(version.observability === true ? { tails: [exports.Tail({ props: { tenant: route.tenant, worker: route.worker, version: versionId } })] } : {}),
  };
}

/** The modules every tenant isolate gets beside the user's: shims, binding manifest, `cloudflare:workers` stand-in. */
export function platformModules(manifest: BindingManifest): Record<string, WorkerLoaderModule> {
  return {
    [SHIMS_MODULE]: { js: __OUTPOST_SHIMS__ },
    [MANIFEST_MODULE]: { json: manifest },
    [WORKERS_MODULE]: { js: WORKERS_MODULE_SOURCE },
  };
}

export function loaderModule(module: StoredModule): WorkerLoaderModule {
  switch (module.type) {
    case "esm":
      return { js: module.content };
    case "cjs":
      return { cjs: module.content };
    case "text":
      return { text: module.content };
    case "json":
      return { json: JSON.parse(module.content) };
    case "data":
      return { data: fromBase64(module.content).buffer as ArrayBuffer };
    case "wasm":
      return { wasm: fromBase64(module.content).buffer as ArrayBuffer };
  }
}
