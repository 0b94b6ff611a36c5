import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "../logs/log.ts";
import { workerScope } from "../vault/constants.ts";
import { secretsOf } from "../vault/store.ts";
import { type VersionBindings, bindingManifest, mintBindings } from "../bindings/registry.ts";
import { type BindingManifest, type MintScope, runnerExports } from "../bindings/kind.ts";
import { ENTRY_MODULE, MANIFEST_MODULE, SHIMS_MODULE, WORKERS_MODULE, WORKERS_MODULE_SOURCE, entryModule } from "./entry-module.ts";
import { type Route, invocationOf } from "./routes.ts";
import { fromBase64 } from "../encoding.ts";
import { admitIsolate } from "./isolate-budget.ts";
import { isolateCompatibilityFlags } from "./rpc-flag.ts";
import { LOG_SINK_BINDING } from "../logs/capture-contract.ts";
import { NODE_CRYPTO_MODULE, NODE_CRYPTO_SOURCE, hasBuiltinModules } from "./node-crypto.ts";

declare const __OUTPOST_SHIMS__: string;

export interface StoredModule {
  name: string;
  type: "esm" | "cjs" | "text" | "data" | "json" | "wasm";
  /** Text as is; base64 for `data` and `wasm`. */
  content: string;
}

/**
 * The isolate for one invocation of a version. Worker Loader keeps it warm by id; the id includes
 * the platform build, so an upgraded shim never runs beside old code, and the worker's secrets
 * revision, so a changed secret reaches the next request without a new code version. Head
 * sampling is decided by the invoker, per invocation (logs/open.ts): a sampled one is told so in
 * its props, and the isolate's log capture hands its lines to the LogSink its env holds. `failed`
 * hears why building it failed, when this call built it.
 */
export function loadVersion(env: Env, ctx: ExecutionContext, route: Route, versionId: string, failed: (error: unknown) => void = () => {}): WorkerStub {
  const id = `${versionId}:${env.CONFIG.build}:${route.secretsRevision}`;
  return env.LOADER.get(admitIsolate(env, route, id), () =>
    workerCode(env, ctx, route, versionId).catch((error: unknown) => {
      // The platform's own failure (the error reaching the caller may be the tenant's instead).
      log.error("could not build the worker's isolate", { tenant: route.tenant, worker: route.worker, version: versionId, error: errorText(error) });
      failed(error);
      throw error;
    }),
  );
}

/** What an isolate is built from (jsonb columns as the deploy stored them). */
interface VersionRow {
  main_module: string;
  modules: StoredModule[];
  compatibility_date: string;
  compatibility_flags: string[];
  bindings: VersionBindings;
  entrypoints: string[];
}

async function workerCode(env: Env, ctx: ExecutionContext, route: Route, versionId: string): Promise<WorkerLoaderWorkerCode> {
  const db = database(env);
  // Independent reads run together: a cold load waits for two round trips (the version and the
  // secrets, then the ids of its namespaces, buckets and queues), not five.
  const [[version], secrets] = await Promise.all([
    db.query<VersionRow>("SELECT main_module, modules, compatibility_date, compatibility_flags, bindings, entrypoints FROM versions WHERE id = $1", [
      versionId,
    ]),
    secretsOf(env, route.tenant, workerScope(route.worker)),
  ]);
  if (!version) throw new Error(`version ${versionId} of worker ${route.worker} is missing from the database`);
  const bindings = version.bindings;
  const exports = runnerExports(ctx);
  const compatibilityDate = version.compatibility_date;
  const compatibilityFlags = version.compatibility_flags;
  const invocation = invocationOf(route, versionId);
  const scope: MintScope = { env, exports, tenant: route.tenant, worker: route.worker, versionId, invocation, compatibilityDate, compatibilityFlags };
  // Secret bindings first: the deploy and `secret put` refuse names that clash with bindings.
  const tenantEnv: Record<string, unknown> = { ...secrets, ...(await mintBindings(scope, bindings)) };
  // The tenant's console output and uncaught exceptions are logged only through this sink, and
  // only for the invocations sampled: as with Cloudflare's Workers Logs, it is opt-in.
  if ((route.sampling[versionId] ?? 0) > 0)
    tenantEnv[LOG_SINK_BINDING] = exports.LogSink({ props: { tenant: route.tenant, worker: route.worker, version: versionId } });

  const modules: Record<string, WorkerLoaderModule> = {};
  for (const module of version.modules) modules[module.name] = loaderModule(module);
  modules[ENTRY_MODULE] = { js: entryModule(version.main_module, version.entrypoints) };
  Object.assign(modules, platformModules(bindingManifest(bindings), compatibilityDate, compatibilityFlags));

  return {
    compatibilityDate,
    compatibilityFlags: withAsyncLocalStorage(isolateCompatibilityFlags(compatibilityDate, compatibilityFlags)),
    mainModule: ENTRY_MODULE,
    modules,
    env: tenantEnv,
    globalOutbound: exports.Egress({ props: { tenant: route.tenant, worker: route.worker } }),
  };
}

/** The shims keep each invocation's token in an AsyncLocalStorage (shims/invocation.ts), which needs this flag. */
export function withAsyncLocalStorage(flags: string[]): string[] {
  return flags.includes("nodejs_als") ? flags : [...flags, "nodejs_als"];
}

/** The modules every tenant isolate gets beside the user's: shims, binding manifest, `cloudflare:workers` stand-in. */
export function platformModules(manifest: BindingManifest, compatibilityDate: string, compatibilityFlags: string[]): Record<string, WorkerLoaderModule> {
  return {
    [SHIMS_MODULE]: { js: __OUTPOST_SHIMS__ },
    [MANIFEST_MODULE]: { json: manifest },
    [WORKERS_MODULE]: { js: WORKERS_MODULE_SOURCE },
    ...(hasBuiltinModules(compatibilityDate, compatibilityFlags) ? { [NODE_CRYPTO_MODULE]: { js: NODE_CRYPTO_SOURCE } } : {}),
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
