/**
 * The main module of every tenant isolate: it imports the user's main module and hands its
 * default export (and each named entrypoint class, for service bindings) to the shims, which
 * replace each binding's RPC stub with the Cloudflare API object (KVNamespace, …) before the
 * user's code sees `env`. Named exports must be listed statically, so the deploy-time load
 * check records them with the version. The shims come first: ES modules evaluate in import order,
 * and the shims install platform limits (shims/crypto-limits.ts) that must be in place before any
 * of the user's code runs.
 */
export function entryModule(userMainModule: string, entrypoints: readonly string[] = []): string {
  const specifier = JSON.stringify(`./${userMainModule}`);
  return [
    `import { WorkerEntrypoint } from "cloudflare:workers";`,
    `import { wrapWorker } from "./__outpost_shims.js";`,
    `import * as user from ${specifier};`,
    `import manifest from "./__outpost_bindings.json";`,
    `export default wrapWorker(user.default, manifest);`,
    ...entrypoints
      .filter((name) => IDENTIFIER.test(name) && name !== WARM_ENTRYPOINT)
      .map((name) => `export const ${name} = wrapWorker(user.${name}, manifest);`),
    // Called by the platform only (runner/dispatch/warm.ts): loading the isolate is the point.
    `export class ${WARM_ENTRYPOINT} extends WorkerEntrypoint { warm() {} }`,
    "",
  ].join("\n");
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * What the user's `import … from "cloudflare:workers"` reaches (`outpost deploy` bundles it so):
 * everything the built-in module exports, but `env` with Cloudflare's binding objects, as the
 * handlers get it, and `RpcTarget` whose subclasses' methods keep their invocation.
 */
export const WORKERS_MODULE_SOURCE = [
  `export * from "cloudflare:workers";`,
  `import { env as raw, RpcTarget as BuiltinRpcTarget } from "cloudflare:workers";`,
  `import { wrapEnv, rpcTargetInInvocation } from "./__outpost_shims.js";`,
  `import manifest from "./__outpost_bindings.json";`,
  `export const env = wrapEnv(raw, manifest);`,
  // Its instances' methods run in the invocation that made them (shims/invocation.ts).
  `export const RpcTarget = rpcTargetInInvocation(BuiltinRpcTarget);`,
  "",
].join("\n");

export const ENTRY_MODULE = "__outpost_entry.js";
export const WORKERS_MODULE = "__outpost_workers.js";
export const WARM_ENTRYPOINT = "__outpost_warm";
export const SHIMS_MODULE = "__outpost_shims.js";
export const MANIFEST_MODULE = "__outpost_bindings.json";
