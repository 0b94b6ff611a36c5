import { exports } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { type VersionBindings, bindingManifest, bindingNames } from "../bindings/registry.ts";
import type { RunnerExports } from "../bindings/kind.ts";
import { loaderModule, platformModules, type StoredModule, withAsyncLocalStorage } from "./loader.ts";
import type { TailProps } from "../logs/events.ts";
import { journaled } from "../logs/journal.ts";
import { isolateCompatibilityFlags } from "./rpc-flag.ts";

const CHECK_MODULE = "__outpost_check.js";

/**
 * Loads the modules in a throwaway isolate (no bindings, no network) and evaluates them, so a
 * deploy with a syntax error, a bad import or a throwing top level is refused before any
 * route points at it. The user's handlers are not called. Returns the names of the named
 * exports that are classes: the worker's named entrypoints. Top-level console output is logged
 * as the version's. The evaluation is journaled like any call into the worker: a top level that
 * never returns stalls this process, and the deploying worker is the one blamed for it.
 */
export async function checkWorkerLoads(
  env: Env,
  who: TailProps,
  code: {
    mainModule: string;
    modules: StoredModule[];
    compatibilityDate: string;
    compatibilityFlags: string[];
    bindings: VersionBindings;
    cpuMs: number | undefined;
  },
): Promise<string[]> {
  const modules: Record<string, WorkerLoaderModule> = {};
  for (const module of code.modules) modules[module.name] = loaderModule(module);
  Object.assign(modules, platformModules(bindingManifest(code.bindings), code.compatibilityDate, code.compatibilityFlags));
  // Top-level code may look at `env` (import { env } from "cloudflare:workers"): it sees the vars,
  // and binding objects built over nothing (no I/O is possible at the top level anyway).
  const checkEnv: Record<string, unknown> = Object.fromEntries(bindingNames(code.bindings).map((name) => [name, null]));
  Object.assign(checkEnv, code.bindings.vars);
  modules[CHECK_MODULE] = {
    js: `import { WorkerEntrypoint } from "cloudflare:workers";
import * as user from ${JSON.stringify(`./${code.mainModule}`)};
export default { fetch() {
  const named = Object.keys(user).filter((name) => name !== "default" && user[name]?.prototype instanceof WorkerEntrypoint);
  return Response.json({ hasDefault: user.default !== undefined && user.default !== null, named });
} };`,
  };
  let verdict: { hasDefault: boolean; named: string[] };
  try {
    verdict = await journaled({ ...who, ...(code.cpuMs === undefined ? {} : { stallMs: code.cpuMs }) }, async () => {
      const worker = env.LOADER.load({
        compatibilityDate: code.compatibilityDate,
        compatibilityFlags: withAsyncLocalStorage(isolateCompatibilityFlags(code.compatibilityDate, code.compatibilityFlags)),
        mainModule: CHECK_MODULE,
        modules,
        env: checkEnv,
        globalOutbound: null,
        tails: [(exports as unknown as RunnerExports).Tail({ props: who })],
      });
      return (await worker.getEntrypoint().fetch("http://outpost.check/")).json();
    });
  } catch (error) {
    throw new PlatformError("ERR_BAD_REQUEST", 400, `The worker failed to load: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!verdict.hasDefault) {
    throw new PlatformError(
      "ERR_BAD_REQUEST",
      400,
      `The main module ${code.mainModule} has no default export. Outpost runs ES module workers: export default { fetch(request, env, ctx) { … } }.`,
    );
  }
  return verdict.named;
}
