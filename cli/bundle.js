// Bundles a tenant's entry file into one ES module, the way `wrangler deploy` does.
import { basename } from "node:path";
import * as esbuild from "esbuild";

/** esbuild settings for code that runs in workerd (tenant workers and the platform's own). */
export const WORKERD_BUILD = /** @satisfies {esbuild.BuildOptions} */ ({
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*", "node:*"],
  write: false,
  logLevel: "silent",
});

/**
 * @param {string} entry path to the worker's entry file (JS or TS)
 * @returns {Promise<{ mainModule: string, modules: { name: string, type: "esm", content: string }[] }>}
 */
export async function bundleWorker(entry) {
  let result;
  try {
    result = await esbuild.build({ ...WORKERD_BUILD, entryPoints: [entry], metafile: true });
  } catch (error) {
    const errors = /** @type {{ errors?: esbuild.Message[] }} */ (error).errors ?? [];
    const lines = errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}${e.text}`);
    throw new Error(`could not bundle ${entry}:\n  ${lines.join("\n  ") || String(error)}`);
  }
  const output = result.outputFiles[0];
  const exports = Object.values(result.metafile.outputs)[0]?.exports ?? [];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  if (!exports.includes("default")) {
    throw new Error(`${entry} has no default export. Outpost runs ES module workers: export default { fetch(request, env, ctx) { … } }`);
  }
  const mainModule = basename(entry).replace(/\.(ts|tsx|mts|jsx|mjs|cjs)$/, ".js");
  return { mainModule, modules: [{ name: mainModule, type: "esm", content: output.text }] };
}
