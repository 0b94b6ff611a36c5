// `outpost deploy [dir | wrangler.toml | entry] [-c FILE] [-e ENV] [--name N] [--kv BINDING[=namespace]]… [--var KEY=VALUE]…`
import { existsSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { collectAssetRules, collectAssets, uploadAssets } from "./assets.js";
import { bundleWorker } from "./bundle.js";
import { callAdmin } from "./admin-client.js";
import { NO_PROGRESS, progressOn } from "./progress.js";
import { CONFIG_FILES, findWranglerConfig, findWranglerConfigUp, loadWranglerConfig, redirectedConfig } from "./wrangler-config.js";

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
 * @property {string} [config]         the config file to use (`-c`), instead of the one found beside the target
 * @property {string} [env]            the `[env.NAME]` section merged over the top level
 * @property {boolean} [minify]        minify the bundle (as the config's `minify = true`)
 * @property {boolean} [dryRun]        bundle and check, contact no platform
 * @property {string} [outdir]         write the bundle's modules here
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
 * @property {Record<string, { databaseName: string, databaseId?: string }>} [d1]
 * @property {import("./wrangler-queues.js").QueuesConfig} [queues]
 * @property {string[]} [crons]
 * @property {{ files: Record<string, { hash: string, size: number }>, htmlHandling?: string | undefined, notFoundHandling?: string | undefined, runWorkerFirst?: boolean | string[] | undefined, hasWorker?: boolean | undefined, redirects?: import("./asset-rules.js").RedirectRule[] | undefined, headers?: import("./asset-rules.js").HeaderRule[] | undefined, binding?: string | undefined }} [assets]
 * @property {string} [tenant]
 * @property {string} [message]
 * @property {number} [rolloutPercent]
 * @property {{ cpuMs?: number }} [limits]
 * @property {{ enabled: boolean, headSamplingRate?: number }} [observability]
 */

/** @typedef {{ file: string, keys: Record<string, string> }} ConfigSource  the config file and where its bindings sit */

/**
 * Reads the project (or takes the entry file), applies the command-line flags and bundles:
 * everything a deploy sends, nothing sent yet.
 * @param {DeployOptions} options
 * @param {import("./progress.js").Progress} [progress]  told of the steps that take a while
 * @returns {Promise<{ name: string, body: DeployBody, assetFiles?: Record<string, { hash: string, size: number, file: string }> | undefined, warnings: string[], source: ConfigSource | undefined, hasCode: boolean }>}
 */
export async function deployBody(options, progress = NO_PROGRESS) {
  const { config, entryFile } = projectOf(options);
  const file = config ? basename(config.path) : undefined;
  const name = options.name ?? config?.name;
  if (!name) {
    throw new Error(
      file ? `${file} has no name: add name = "my-worker" or pass --name NAME` : "deploying an entry file needs --name NAME (see outpost --help)",
    );
  }
  // An entry file on the command line replaces the config's `main`, as with wrangler.
  const entry = entryFile ?? config?.main;
  if (!entry && !config?.assets) throw new Error(`${file}: main is missing: set it to the worker's entry file, e.g. main = "src/index.ts"`);
  if (entry && !entryFile && !existsSync(entry)) {
    throw new Error(`${file}: main: ${relative(process.cwd(), entry)} does not exist: set main to the worker's entry file, or run the project's build first`);
  }
  if (!entry && config?.assets?.runWorkerFirst) {
    throw new Error(`${file}: Cannot set run_worker_first without a Worker script. Remove run_worker_first, or set main to the worker's entry file.`);
  }
  if (!entry && config?.assets?.binding) {
    // wrangler's refusal: an assets-only worker has no code to use the binding.
    throw new Error(
      `${file}: cannot use assets with a binding in an assets-only Worker. Remove assets.binding, or set main to the worker's entry file (e.g. main = "src/index.ts").`,
    );
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
  const d1 = Object.fromEntries(
    Object.entries(unflagged(config?.d1 ?? {})).map(([binding, { databaseName, databaseId }]) => [
      binding,
      databaseId ? { databaseName, databaseId } : { databaseName },
    ]),
  );
  const secretsStore = unflagged(config?.secretsStore ?? {});
  const r2 = { ...unflagged(config?.r2 ?? {}), ...r2Flags };
  const vaults = [...new Set([...(config?.vaults ?? []).filter((binding) => !flagged.has(binding)), ...(options.vaults ?? [])])];
  const routes = config?.routes ?? [];
  const compatibilityDate = options.compatibilityDate ?? config?.compatibilityDate;
  const cpuMs = options.cpuMs ?? config?.cpuMs;

  // An assets-only project gets a placeholder worker that never runs: `hasWorker: false` has the
  // asset server answer every request, as Cloudflare does for a project without `main`.
  const compatibilityFlags = [...new Set([...(config?.compatibilityFlags ?? []), ...(options.compatibilityFlags ?? [])])];
  const bundleOptions = { ...config?.bundle, compatibilityFlags, ...(compatibilityDate ? { compatibilityDate } : {}) };
  if (options.minify) bundleOptions.esbuild = { ...bundleOptions.esbuild, minify: true };
  if (entry) progress.show(`Bundling ${relative(process.cwd(), resolve(entry)) || entry}…`);
  const { mainModule, modules } = entry ? await bundleWorker(entry, bundleOptions) : ASSETS_ONLY;
  if (config?.assets) progress.show(`Reading assets in ${relative(process.cwd(), config.assets.directory) || "."}…`);
  const assetFiles = config?.assets ? await collectAssets(config.assets.directory) : undefined;
  const assetRules = config?.assets ? await collectAssetRules(config.assets.directory, config.assets.htmlHandling) : undefined;
  /** @type {DeployBody} */
  const body = {
    mainModule,
    modules,
    ...(compatibilityDate ? { compatibilityDate } : {}),
    compatibilityFlags,
    vars: { ...unflagged(config?.vars ?? {}), ...vars },
    kv: { ...unflagged(config?.kv ?? {}), ...kv },
    // Sent only when there are some: servers without routes and services refuse unknown fields.
    ...(routes.length > 0 ? { routes } : {}),
    ...(Object.keys(services).length > 0 ? { services } : {}),
    ...(Object.keys(r2).length > 0 ? { r2 } : {}),
    ...(Object.keys(d1).length > 0 ? { d1 } : {}),
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
    ...(config?.observability
      ? { observability: { enabled: true, ...(config.headSamplingRate === undefined ? {} : { headSamplingRate: config.headSamplingRate }) } }
      : {}),
  };
  // Where the body's bindings came from, for the admin API's errors; a flag's binding is not the file's.
  const keys = Object.fromEntries(Object.entries(config?.keys ?? {}).filter(([path]) => !flagged.has(path.split(".")[1] ?? "")));
  return {
    name,
    body,
    assetFiles,
    warnings: [...(config?.warnings ?? []), ...(assetRules?.warnings ?? [])],
    source: file ? { file, keys } : undefined,
    hasCode: entry !== undefined,
  };
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

/**
 * @param {DeployOptions} options
 * @param {import("./progress.js").Progress} [progress]  default: on stderr when it is a terminal
 */
export async function deploy(options, progress = progressOn(process.stderr)) {
  try {
    return await deployWith(options, progress);
  } finally {
    progress.clear();
  }
}

/** @param {DeployOptions} options @param {import("./progress.js").Progress} progress */
async function deployWith(options, progress) {
  const { name, body, assetFiles, warnings, source, hasCode } = await deployBody(options, progress);
  progress.clear();
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  if (options.outdir) await writeBundle(options.outdir, body);
  if (options.dryRun) {
    console.log(
      `Dry run: ${name} bundled (${body.modules.length} module${body.modules.length === 1 ? "" : "s"})${options.outdir ? ` into ${options.outdir}` : ""}; nothing deployed`,
    );
    return undefined;
  }
  const put = () => {
    progress.show(`Deploying ${name}…`);
    return callAdmin("PUT", `/v1/workers/${encodeURIComponent(name)}`, body).catch((error) => {
      throw source ? new Error(inConfigTerms(error.message, source)) : error;
    });
  };
  // The platform checks the uploaded assets last: a deploy refused for anything else uploads none.
  let uploaded = 0;
  const result = await put().catch(async (/** @type {Error} */ error) => {
    if (!assetFiles || !/ was not uploaded; upload it first/.test(error.message)) throw error;
    uploaded = await uploadAssets(assetFiles, options.tenant, (done, total) => progress.show(`Uploading assets ${done}/${total}…`));
    return put();
  });
  progress.clear();
  if (assetFiles) console.log(`Assets: ${Object.keys(assetFiles).length} files, ${uploaded} uploaded (the rest unchanged)`);
  for (const warning of result.warnings ?? []) console.warn(`warning: ${warning}`);
  const what = result.rolloutPercent !== undefined ? `Rolling out to ${result.rolloutPercent} % of` : result.changed ? "Deployed" : "Unchanged";
  // As with wrangler, a project without `main` replaces the worker's code with an assets-only one: say so.
  const assetsOnly = hasCode ? "" : " (assets only: the config has no main)";
  console.log(`${what} ${result.worker}${assetsOnly} (version ${result.version.slice(0, 12)}) → ${result.url}`);
  return result;
}

/**
 * The admin API's error with each `body.<path>` it names put as the config file's key, e.g.
 * "body.kv.STORE: …" → "wrangler.toml: kv_namespaces[0].id: …".
 * @param {string} message
 * @param {ConfigSource} source
 */
function inConfigTerms(message, source) {
  return message.replace(/\bbody\.([\w.]+)/g, (whole, /** @type {string} */ path) => {
    const parts = path.split(".");
    for (let length = parts.length; length > 0; length--) {
      const key = source.keys[parts.slice(0, length).join(".")];
      if (key)
        return `${source.file}: ${key}${parts
          .slice(length)
          .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
          .join("")}`;
    }
    return whole;
  });
}

/**
 * Writes the bundle's modules (main module first) into `dir`, as `wrangler deploy --outdir` does.
 * @param {string} dir
 * @param {DeployBody} body
 */
async function writeBundle(dir, body) {
  const root = resolve(dir);
  for (const module of body.modules) {
    const path = join(root, module.name);
    if (!path.startsWith(root + sep)) throw new Error(`the module ${module.name} would be written outside ${root}; it is not written`);
    await mkdir(dirname(path), { recursive: true });
    // The admin API carries binary modules as base64.
    await writeFile(path, module.type === "data" || module.type === "wasm" ? Buffer.from(module.content, "base64") : module.content);
  }
}

/**
 * The project a deploy reads, found as wrangler finds it: the `--config` file; else a directory's
 * config file (or the generated config its `.wrangler/deploy/config.json` points to); else a
 * config file named as the target; else, for an entry file, the nearest config file in its
 * directory or above (its `main` replaced by the entry), or none (the flags alone).
 * @param {DeployOptions} options
 * @returns {{ config?: import("./wrangler-config.js").WranglerConfig | undefined, entryFile?: string | undefined }}
 */
function projectOf(options) {
  const target = resolve(options.target ?? ".");
  const isDirectory = exists(target).isDirectory();
  if (options.config) {
    const path = resolve(options.config);
    exists(path);
    if (options.target !== undefined && isDirectory) throw new Error(`with --config, the argument is the worker's entry file, not a directory (${target})`);
    return { config: loadWranglerConfig(path, options.env), entryFile: options.target === undefined ? undefined : target };
  }
  if (isDirectory) {
    const config = foundConfig(target, findWranglerConfig(target), options.env);
    if (!config) {
      throw new Error(`${target} has no ${CONFIG_FILES.join(", ")}: add one, or deploy an entry file with outpost deploy <entry> --name NAME`);
    }
    return { config };
  }
  if (CONFIG_FILES.includes(basename(target))) return { config: loadWranglerConfig(target, options.env) };
  return { config: foundConfig(dirname(target), findWranglerConfigUp(dirname(target)), options.env), entryFile: target };
}

/**
 * The project's config, or the generated one a build tool's redirect points to.
 * @param {string} dir @param {string | undefined} userConfig @param {string | undefined} env
 */
function foundConfig(dir, userConfig, env) {
  const path = redirectedConfig(dir, userConfig);
  return path ? loadWranglerConfig(path, env, path !== userConfig) : undefined;
}

/** @param {string} path */
function exists(path) {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  return statSync(path);
}

/**
 * @param {string} pair
 * @param {string} flag
 * @param {boolean} valueRequired
 * @returns {[string, string]}
 */
function splitPair(pair, flag, valueRequired) {
  // KEY=VALUE, or wrangler's KEY:VALUE: a key has neither, so the first of them separates.
  const at = pair.search(/[=:]/);
  if (at === -1) {
    if (valueRequired) throw new Error(`${flag} expects KEY=VALUE (or KEY:VALUE), got ${JSON.stringify(pair)}`);
    return [pair, pair];
  }
  return [pair.slice(0, at), pair.slice(at + 1)];
}
