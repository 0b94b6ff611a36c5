// Bundles the platform's own code (runner + shims) for workerd, like `wrangler deploy` would.
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { WORKERD_BUILD } from "./bundle.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The shims are injected into every tenant isolate as one module; the runner carries their
 * source and the build hash that keys the Worker Loader cache.
 * `d1` is the D1 databases' Durable Object class alone, for the worker service that runs them
 * (cli/workerd-config.js): a few kilobytes, where loading the runner's bundle a second time would
 * cost each process about 15 MiB (measured).
 * @returns {Promise<{ runner: string, build: string, d1: string }>}
 */
export async function buildRunner() {
  const shims = await bundle("shims/index.ts");
  const build = createHash("sha256").update(shims).digest("hex").slice(0, 16);
  const runnerWithoutHash = await bundle("runner/index.ts", { __OUTPOST_SHIMS__: JSON.stringify(shims), __OUTPOST_DASHBOARD__: await dashboardFiles() });
  const fullBuild = createHash("sha256").update(build).update(runnerWithoutHash).digest("hex").slice(0, 16);
  return { runner: runnerWithoutHash, build: fullBuild, d1: await bundle("runner/d1/object.ts") };
}

/**
 * @param {string} entry
 * @param {Record<string, string>} [define]
 */
async function bundle(entry, define = {}) {
  const result = await esbuild.build({ ...WORKERD_BUILD, entryPoints: [ROOT + entry], define });
  const output = result.outputFiles?.[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return output.text;
}

/** The dashboard's static files (runner/admin/dashboard.ts serves them), as a JSON object by name. */
async function dashboardFiles() {
  const dir = ROOT + "runner/admin/dashboard/";
  const names = await readdir(dir);
  return JSON.stringify(Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(dir + name, "utf8")]))));
}
