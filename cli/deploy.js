// `outpost deploy [dir | wrangler.toml | entry] [--name N] [--kv BINDING[=namespace]]… [--var KEY=VALUE]…`
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { collectAssetRules, collectAssets, uploadAssets } from "./assets.js";
import { bundleWorker } from "./bundle.js";
import { callAdmin } from "./admin-client.js";
import { CONFIG_FILES, findWranglerConfig, loadWranglerConfig } from "./wrangler-config.js";

/**
 * @typedef {object} DeployOptions
 * @property {string} [target]         a project directory (default: the current one), its config file, or an entry file
 * @property {string} [name]           overrides the config's `name`
 * @property {string[]} [kv]           BINDING or BINDING=namespace (namespace defaults to the binding name)
 * @property {string[]} [vars]         KEY=VALUE
 * @property {string[]} [vaults]       binding names given the tenant vault
 * @property {string[]} [r2]           BINDING or BINDING=bucket (bucket defaults to the binding name, lowercased)
 * @property {string} [tenant]
 * @property {string} [compatibilityDate]     overrides the config's
 * @property {string[]} [compatibilityFlags]  added to the config's
 * @property {string} [message]        stored with the version
 * @property {number} [percent]        deploy as a gradual rollout taking this share of requests
 * @property {number} [cpuMs]          overrides the config's `[limits] cpu_ms`
 */

/**
 * @typedef {object} DeployBody  what `PUT /v1/workers/:name` takes
 * @property {string} mainModule
 * @property {import("./module-rules.js").Module[]} modules
 * @property {string} [compatibilityDate]
 * @property {string[]} compatibilityFlags
 * @property {Record<string, unknown>} vars
 * @property {Record<string, string>} kv
 * @property {string[]} [routes]
 * @property {Record<string, { service: string, entrypoint?: string }>} [services]
 * @property {string[]} [vaults]
 * @property {Record<string, { secret: string }>} [secretsStore]
 * @property {Record<string, string>} [r2]
 * @property {import("./wrangler-queues.js").QueuesConfig} [queues]
 * @property {string[]} [crons]
 * @property {{ files: Record<string, { hash: string, size: number }>, htmlHandling?: string | undefined, notFoundHandling?: string | undefined, runWorkerFirst?: boolean | string[] | undefined, hasWorker?: boolean | undefined, redirects?: import("./asset-rules.js").RedirectRule[] | undefined, headers?: import("./asset-rules.js").HeaderRule[] | undefined, binding?: string | undefined }} [assets]
 * @property {string} [tenant]
 * @property {string} [message]
 * @property {number} [rolloutPercent]
 * @property {{ cpuMs?: number }} [limits]
 * @property {{ enabled: boolean }} [observability]
 */

/**
 * Reads the project (or takes the entry file), applies the command-line flags and bundles:
 * everything a deploy sends, nothing sent yet.
 * @param {DeployOptions} options
 * @returns {Promise<{ name: string, body: DeployBody, assetFiles?: Record<string, { hash: string, size: number, file: string }> | undefined, warnings: string[] }>}
 */
export async function deployBody(options) {
  const target = resolve(options.target ?? ".");
  const config = configOf(target);
  const file = config ? basename(config.path) : undefined;
  const name = options.name ?? config?.name;
  if (!name) {
    throw new Error(
      file ? `${file} has no name: add name = "my-worker" or pass --name NAME` : "deploying an entry file needs --name NAME (see outpost --help)",
    );
  }
  const entry = config ? config.main : target;
  if (!entry && !config?.assets) throw new Error(`${file}: main is missing: set it to the worker's entry file, e.g. main = "src/index.ts"`);
  if (!entry && config?.assets?.runWorkerFirst) {
    throw new Error(`${file}: Cannot set run_worker_first without a Worker script. Remove run_worker_first, or set main to the worker's entry file.`);
  }

  const vars = Object.fromEntries((options.vars ?? []).map((pair) => splitPair(pair, "--var", true)));
  const kv = Object.fromEntries((options.kv ?? []).map((pair) => splitPair(pair, "--kv", false)));
  // A binding named on the command line replaces the config's binding of that name, whatever its kind.
  const r2Flags = Object.fromEntries(
    (options.r2 ?? []).map((pair) => splitPair(pair, "--r2", false)).map(([binding, bucket]) => [binding, bucket.toLowerCase()]),
  );
  const flagged = new Set([...Object.keys(vars), ...Object.keys(kv), ...Object.keys(r2Flags), ...(options.vaults ?? [])]);
  /** @type {<T>(record: Record<string, T>) => Record<string, T>} */
  const unflagged = (record) => Object.fromEntries(Object.entries(record).filter(([binding]) => !flagged.has(binding)));
  const services = unflagged(config?.services ?? {});
  const secretsStore = unflagged(config?.secretsStore ?? {});
  const r2 = { ...unflagged(config?.r2 ?? {}), ...r2Flags };
  const vaults = [...new Set([...(config?.vaults ?? []).filter((binding) => !flagged.has(binding)), ...(options.vaults ?? [])])];
  const routes = config?.routes ?? [];
  const compatibilityDate = options.compatibilityDate ?? config?.compatibilityDate;
  const cpuMs = options.cpuMs ?? config?.cpuMs;

  // An assets-only project gets a placeholder worker that never runs: `hasWorker: false` has the
  // asset server answer every request, as Cloudflare does for a project without `main`.
  const { mainModule, modules } = entry ? await bundleWorker(entry, config?.bundle) : ASSETS_ONLY;
  const assetFiles = config?.assets ? await collectAssets(config.assets.directory) : undefined;
  const assetRules = config?.assets ? await collectAssetRules(config.assets.directory, config.assets.htmlHandling) : undefined;
  /** @type {DeployBody} */
  const body = {
    mainModule,
    modules,
    ...(compatibilityDate ? { compatibilityDate } : {}),
    compatibilityFlags: [...new Set([...(config?.compatibilityFlags ?? []), ...(options.compatibilityFlags ?? [])])],
    vars: { ...unflagged(config?.vars ?? {}), ...vars },
    kv: { ...unflagged(config?.kv ?? {}), ...kv },
    // Sent only when there are some: servers without routes and services refuse unknown fields.
    ...(routes.length > 0 ? { routes } : {}),
    ...(Object.keys(services).length > 0 ? { services } : {}),
    ...(Object.keys(r2).length > 0 ? { r2 } : {}),
    ...(config?.assets && assetFiles
      ? {
          assets: defined({
            files: Object.fromEntries(Object.entries(assetFiles).map(([path, { hash, size }]) => [path, { hash, size }])),
            binding: config.assets.binding,
            htmlHandling: config.assets.htmlHandling,
            notFoundHandling: config.assets.notFoundHandling,
            runWorkerFirst: config.assets.runWorkerFirst,
            hasWorker: entry ? undefined : false,
            redirects: assetRules?.redirects,
            headers: assetRules?.headers,
          }),
        }
      : {}),
    ...(vaults.length > 0 ? { vaults } : {}),
    ...(Object.keys(secretsStore).length > 0 ? { secretsStore } : {}),
    ...(config?.queues ? { queues: config.queues } : {}),
    ...(config?.crons ? { crons: config.crons } : {}),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.message ? { message: options.message } : {}),
    ...(options.percent !== undefined ? { rolloutPercent: options.percent } : {}),
    ...(cpuMs !== undefined ? { limits: { cpuMs } } : {}),
    ...(config?.observability ? { observability: { enabled: true } } : {}),
  };
  return { name, body, assetFiles, warnings: assetRules?.warnings ?? [] };
}

const ASSETS_ONLY = {
  mainModule: "assets-only.js",
  modules: [
    {
      name: "assets-only.js",
      type: /** @type {const} */ ("esm"),
      content: 'export default { fetch() { return new Response("Not Found", { status: 404 }); } };\n',
    },
  ],
};

/**
 * Drops undefined fields (the admin API refuses unknown ones and JSON would drop them anyway).
 * @template {Record<string, unknown>} T
 * @param {T} record
 * @returns {T}
 */
function defined(record) {
  return /** @type {T} */ (Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));
}

/** @param {DeployOptions} options */
export async function deploy(options) {
  const { name, body, assetFiles, warnings } = await deployBody(options);
  for (const warning of warnings) console.warn(warning);
  if (assetFiles) {
    const uploaded = await uploadAssets(assetFiles, options.tenant);
    console.log(`Assets: ${Object.keys(assetFiles).length} files, ${uploaded} uploaded (the rest unchanged)`);
  }
  const result = await callAdmin("PUT", `/v1/workers/${encodeURIComponent(name)}`, body);
  const port = process.env.PORT ?? 8787;
  const what = result.rolloutPercent !== undefined ? `Rolling out to ${result.rolloutPercent} % of` : result.changed ? "Deployed" : "Unchanged";
  console.log(`${what} ${result.worker} (version ${result.version.slice(0, 12)}) → http://${result.worker}.localhost:${port}/`);
  return result;
}

/**
 * The project config a target names: a directory's config file, or the file itself; undefined
 * for an entry file, which deploys with the command-line flags alone.
 * @param {string} target absolute
 */
function configOf(target) {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    throw new Error(`${target} does not exist`);
  }
  if (stats.isDirectory()) {
    const path = findWranglerConfig(target);
    if (!path) {
      throw new Error(`${target} has no ${CONFIG_FILES.join(", ")}: add one, or deploy an entry file with outpost deploy <entry> --name NAME`);
    }
    return loadWranglerConfig(path);
  }
  return CONFIG_FILES.includes(basename(target)) ? loadWranglerConfig(target) : undefined;
}

/**
 * @param {string} pair
 * @param {string} flag
 * @param {boolean} valueRequired
 * @returns {[string, string]}
 */
function splitPair(pair, flag, valueRequired) {
  const at = pair.indexOf("=");
  if (at === -1) {
    if (valueRequired) throw new Error(`${flag} expects KEY=VALUE, got ${JSON.stringify(pair)}`);
    return [pair, pair];
  }
  return [pair.slice(0, at), pair.slice(at + 1)];
}
