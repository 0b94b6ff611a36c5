/**
 * The main module of every tenant isolate: it imports the user's main module and hands its
 * default export to the shims, which replace each binding's RPC stub with the Cloudflare API
 * object (KVNamespace, …) before the user's handler sees `env`.
 */
export function entryModule(userMainModule: string): string {
  const specifier = JSON.stringify(`./${userMainModule}`);
  return [
    `import * as user from ${specifier};`,
    `import { wrapWorker } from "./__outpost_shims.js";`,
    `import manifest from "./__outpost_bindings.json";`,
    `export default wrapWorker(user.default, manifest);`,
    "",
  ].join("\n");
}

export const ENTRY_MODULE = "__outpost_entry.js";
export const SHIMS_MODULE = "__outpost_shims.js";
export const MANIFEST_MODULE = "__outpost_bindings.json";
