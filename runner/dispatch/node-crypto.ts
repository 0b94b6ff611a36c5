// The module an isolate gets as `node:crypto` (and bare `crypto`, which workerd resolves to the
// same name): a module of the worker's bundle by that name is preferred over the built-in, so
// this one re-exports the shims' guarded copy (shims/crypto-limits.ts, limitNodePbkdf2), with
// pbkdf2 capped like Web Crypto's. Deploys cannot name a module `node:…` themselves.
import * as builtin from "node:crypto";

export const NODE_CRYPTO_MODULE = "node:crypto";

/** ES module exports must be named statically: the built-in's names, as this workerd has them. */
const NAMES = Object.keys(builtin).filter((name) => name !== "default" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name));

export const NODE_CRYPTO_SOURCE = [
  `const crypto = process.getBuiltinModule("node:crypto");`,
  `export const { ${NAMES.join(", ")} } = crypto;`,
  `export default crypto;`,
  "",
].join("\n");

/**
 * Whether an isolate has `process.getBuiltinModule` to reach the built-in through: Node.js
 * compatibility with the `process` global, from compatibility date 2024-09-23 (nodejs_compat_v2)
 * or by flag. Before that, node:crypto's pbkdf2 stays uncapped (docs/workers.md, Limits).
 */
export function hasBuiltinModules(compatibilityDate: string, flags: readonly string[]): boolean {
  if (flags.includes("nodejs_compat_v2")) return true;
  return flags.includes("nodejs_compat") && compatibilityDate >= "2024-09-23" && !flags.includes("no_nodejs_compat_v2");
}
