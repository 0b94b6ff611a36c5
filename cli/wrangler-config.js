// Reads a project's wrangler.toml (or wrangler.json / wrangler.jsonc) into the plain settings
// `outpost deploy` uses, refusing what Outpost cannot honour before anything is bundled or sent.
// Field reference: https://developers.cloudflare.com/workers/wrangler/configuration/
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { printParseErrorCode, visit } from "jsonc-parser";
import { TomlError, parse as parseToml } from "smol-toml";
import { RULE_TYPES } from "./module-rules.js";
import { readQueuesAndCrons } from "./wrangler-queues.js";

/** @typedef {import("./module-rules.js").ModuleRule} ModuleRule */
/** @typedef {import("./bundle.js").BundleOptions} BundleOptions */

/**
 * @typedef {object} WranglerConfig
 * @property {string} path                  the file that was read
 * @property {string} [name]
 * @property {string} [main]                absolute path of the entry file
 * @property {string} [compatibilityDate]
 * @property {string[]} compatibilityFlags
 * @property {Record<string, unknown>} vars  JSON values
 * @property {Record<string, string>} kv     binding → namespace name (the `id`)
 * @property {string[]} routes               route patterns
 * @property {Record<string, { service: string, entrypoint?: string }>} services
 * @property {Record<string, string>} r2    binding → bucket name
 * @property {Record<string, D1Database>} d1  binding → D1 database
 * @property {{ directory: string, binding?: string, htmlHandling?: string, notFoundHandling?: string, runWorkerFirst?: boolean | string[] }} [assets]
 * @property {string[]} vaults               binding names given the tenant vault (`[[vaults]]`, an Outpost extension)
 * @property {Record<string, { secret: string }>} secretsStore  binding → vault entry (`[[secrets_store_secrets]]`)
 * @property {import("./wrangler-queues.js").QueuesConfig} [queues]  `[[queues.producers]]` and `[[queues.consumers]]`
 * @property {string[]} [crons]             `[triggers] crons`
 * @property {number} [cpuMs]               `[limits] cpu_ms`
 * @property {true} [observability]         `[observability] enabled`: the worker's console output and invocations are logged and stored
 * @property {number} [headSamplingRate]    `[observability] head_sampling_rate`: the share of invocations logged
 * @property {BundleOptions} bundle          how to bundle `main`
 * @property {string[]} warnings            fields read nowhere that Outpost does not know either
 * @property {Record<string, string>} keys   deploy-body path (`kv.STORE`) → the config's key it came from (`kv_namespaces[0].id`)
 */

/**
 * @typedef {object} D1Database  one `[[d1_databases]]` entry
 * @property {string} databaseName    `database_name`, or the binding's name
 * @property {string} [databaseId]    `database_id`: recorded by the platform, used for nothing
 * @property {string} migrationsDir   `migrations_dir` (default "migrations"), absolute
 */

/** Looked for in this order, as wrangler does. */
export const CONFIG_FILES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/** Fields Outpost reads. */
const SUPPORTED = new Set([
  "name",
  "main",
  "compatibility_date",
  "compatibility_flags",
  "vars",
  "kv_namespaces",
  "routes",
  "route",
  "services",
  "r2_buckets",
  "d1_databases",
  "assets",
  "queues",
  "triggers",
  "vaults",
  "secrets_store_secrets",
  "rules",
  "find_additional_modules",
  "base_dir",
  "preserve_file_names",
  "define",
  "alias",
  "minify",
  "keep_names",
  "tsconfig",
  "jsx_factory",
  "jsx_fragment",
  "limits",
  "observability",
]);

/**
 * wrangler's bookkeeping in a generated config (the Cloudflare Vite plugin's
 * `dist/<worker>/wrangler.json`): where it came from and which environment it was built for.
 */
const BOOKKEEPING = new Set(["configPath", "userConfigPath", "topLevelName", "definedEnvironments", "targetEnvironment"]);

/**
 * Fields an `[env.NAME]` section does not inherit from the top level, as in wrangler: the bindings
 * (and `vars`, `define`); every other field is inherited unless the section sets it.
 */
const NOT_INHERITED = new Set([
  "vars",
  "define",
  "kv_namespaces",
  "r2_buckets",
  "services",
  "queues",
  "vaults",
  "secrets_store_secrets",
  "tail_consumers",
  "streaming_tail_consumers",
  ...["d1_databases", "durable_objects", "hyperdrive", "ai", "ai_search_namespaces", "ai_search", "vectorize", "analytics_engine_datasets"],
  ...["browser", "images", "media", "stream", "mtls_certificates", "send_email", "dispatch_namespaces", "workflows", "secrets"],
  ...["version_metadata", "pipelines", "ratelimits", "worker_loaders", "vpc_services", "vpc_networks", "artifacts", "flagship"],
  ...["containers", "cloudchamber", "logfwdr", "unsafe", "unsafe_hello_world"],
]);

/**
 * Fields read nowhere, because none of them changes what the worker's code or env is on Outpost:
 * - Cloudflare account and dashboard settings, meaningless on a self-hosted host: `$schema`,
 *   `account_id`, `workers_dev`, `preview_urls`, `previews`, `compliance_region`, `logpush`, `placement`, `upload_source_maps`, `first_party_worker`, `keep_vars`
 *   (keeps dashboard-edited vars), `send_metrics`;
 * - local development only: `dev`;
 * - `env` and `legacy_env`: named environments, merged by `loadWranglerConfig` when `--env` names one;
 * - `build`: a custom build command; run it before deploying;
 * - `no_bundle`, `node_compat`: Outpost always bundles (a self-contained module bundles to itself);
 *   `node_compat` is gone from wrangler 4 (use the `nodejs_compat` compatibility flag);
 * - `tail_consumers`, `streaming_tail_consumers`: where Cloudflare sends the worker's logs; they
 *   put nothing in `env`;
 * - `migrations`: Durable Object class migrations, meaningless without `durable_objects`, which is refused;
 * - `python_modules`, `pages_build_output_dir`: Python workers and Pages projects (a `main`
 *   that esbuild cannot bundle, or none, is refused anyway).
 */
const IGNORED = new Set([
  "$schema",
  "account_id",
  "workers_dev",
  "preview_urls",
  "previews",
  "compliance_region",
  "logpush",
  "placement",
  "upload_source_maps",
  "first_party_worker",
  "keep_vars",
  "send_metrics",
  "dev",
  "env",
  "legacy_env",
  "build",
  "no_bundle",
  "node_compat",
  "tail_consumers",
  "streaming_tail_consumers",
  "migrations",
  "python_modules",
  "pages_build_output_dir",
]);

/**
 * Every other binding Cloudflare has; refused until Outpost implements it. For tables whose
 * bindings sit one level down (`[durable_objects] bindings`) the parts are listed, so the error names
 * what the file says; "keys" marks tables of NAME = path (service-worker blobs).
 * @type {Map<string, string[] | "keys" | null>}
 */
const UNSUPPORTED = new Map(
  /** @type {[string, string[] | "keys" | null][]} */ ([
    ["durable_objects", ["bindings"]],
    ["hyperdrive", null],
    ["ai", null],
    ["ai_search_namespaces", null],
    ["ai_search", null],
    ["vectorize", null],
    ["analytics_engine_datasets", null],
    ["browser", null],
    ["images", null],
    ["media", null],
    ["stream", null],
    ["mtls_certificates", null],
    ["send_email", null],
    ["dispatch_namespaces", null],
    ["workflows", null],
    ["secrets", ["required"]],
    ["version_metadata", null],
    ["pipelines", null],
    ["ratelimits", null],
    ["worker_loaders", null],
    ["vpc_services", null],
    ["vpc_networks", null],
    ["artifacts", null],
    ["flagship", null],
    ["containers", null],
    ["cloudchamber", null],
    ["logfwdr", ["bindings"]],
    ["unsafe", ["bindings"]],
    ["unsafe_hello_world", null],
    ["site", null],
    ["wasm_modules", "keys"],
    ["text_blobs", "keys"],
    ["data_blobs", "keys"],
  ]),
);

/**
 * The config file of a project directory, or undefined when it has none.
 * @param {string} dir
 */
export function findWranglerConfig(dir) {
  return CONFIG_FILES.map((file) => join(dir, file)).find((path) => existsSync(path));
}

/**
 * The nearest config file in `dir` or a directory above it, as wrangler finds one for
 * `wrangler deploy src/index.ts`.
 * @param {string} dir absolute
 * @returns {string | undefined}
 */
export function findWranglerConfigUp(dir) {
  for (let current = dir; ; current = dirname(current)) {
    const found = findWranglerConfig(current);
    if (found || dirname(current) === current) return found;
  }
}

/** Where a build tool (the Cloudflare Vite plugin) leaves a pointer to the config it generated. */
const DEPLOY_REDIRECT = join(".wrangler", "deploy", "config.json");

/**
 * The config `wrangler deploy` would use for a project: the generated one that
 * `.wrangler/deploy/config.json` (in the project or a directory above) points to, else the project's own.
 * @param {string} dir        absolute: the project directory
 * @param {string | undefined} userConfig  absolute: the project's own config file, if any
 * @returns {string | undefined}
 */
export function redirectedConfig(dir, userConfig) {
  let redirect;
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, DEPLOY_REDIRECT))) redirect = join(current, DEPLOY_REDIRECT);
    if (redirect || dirname(current) === current) break;
  }
  if (!redirect) return userConfig;
  const pointer = parseConfigText(readFileSync(redirect, "utf8"), redirect);
  const target = isTable(pointer) && typeof pointer.configPath === "string" ? resolve(dirname(redirect), pointer.configPath) : undefined;
  if (!target) throw new Error(`${redirect} has no "configPath": rebuild the project (its build writes this file), or delete it`);
  if (!existsSync(target)) throw new Error(`${redirect} points to ${target}, which does not exist: build the project first`);
  if (userConfig && join(dirname(userConfig), DEPLOY_REDIRECT) !== redirect) {
    throw new Error(`found both ${userConfig} and ${redirect}, in different directories: pass the config to deploy with --config FILE`);
  }
  return target;
}

/**
 * Reads and validates a wrangler.toml / wrangler.json / wrangler.jsonc, with the `[env.NAME]`
 * section `env` names merged over the top level.
 * A generated config (`generated`: the one a redirect points to) was built for one environment
 * and is read as it is; as in wrangler, `env` must then be that environment, if it names one.
 * @param {string} path
 * @param {string} [env]
 * @param {boolean} [generated]
 * @returns {WranglerConfig}
 */
export function loadWranglerConfig(path, env, generated = false) {
  const file = basename(path);
  const raw = parseConfigText(readFileSync(path, "utf8"), file);
  if (generated && env !== undefined && isTable(raw) && typeof raw.targetEnvironment === "string" && raw.targetEnvironment !== env) {
    throw new Error(`--env ${env} does not match the environment ${path} was built for (${raw.targetEnvironment}): build the project again for ${env}`);
  }
  const { config, warnings } = env === undefined || generated ? { config: raw, warnings: [] } : applyEnvironment(raw, env, file);
  const result = validateWranglerConfig(config, resolve(path), env === undefined ? file : `${file} (env.${env})`);
  return { ...result, warnings: [...warnings, ...result.warnings] };
}

/**
 * The top level with `[env.NAME]` merged over it, as wrangler merges them: a field the section
 * sets replaces the top level's; bindings, `vars` and `define` are not inherited; the name becomes
 * `<name>-<env>` unless the section names the worker.
 * @param {unknown} raw
 * @param {string} env
 * @param {string} file
 * @returns {{ config: unknown, warnings: string[] }}
 */
export function applyEnvironment(raw, env, file) {
  if (!isTable(raw)) return { config: raw, warnings: [] };
  const environments = raw.env === undefined ? {} : checker(file).table(raw.env, "env");
  const names = Object.keys(environments);
  const section = Object.hasOwn(environments, env) ? checker(file).table(environments[env], `env.${env}`) : undefined;
  if (!section) {
    const missing = `No environment found in configuration with name "${env}". Add an [env.${env}] section to ${file}`;
    // As wrangler: an error when the file has environments, a warning (and the top level) when it has none.
    if (names.length > 0) throw new Error(`${missing}; its environments are ${names.join(", ")}.`);
    return { config: raw, warnings: [`${missing}; deploying the top-level settings.`] };
  }
  const topLevel = Object.entries(raw).filter(([key]) => key !== "env");
  const warnings = topLevel
    .filter(([key, value]) => NOT_INHERITED.has(key) && section[key] === undefined && !isEmpty(value))
    .map(([key]) => `"${key}" exists at the top level of ${file}, but not on "env.${env}": it is not inherited by environments. Add "${key}" to "env.${env}".`);
  // Spread and fromEntries define keys (a "__proto__" key stays a key), where assignment would not.
  const config = { ...Object.fromEntries(topLevel.filter(([key]) => !NOT_INHERITED.has(key))), ...section };
  if (section.name === undefined && typeof raw.name === "string") config.name = `${raw.name}-${env}`;
  return { config, warnings };
}

/**
 * Parses the text of a config file: TOML when the name ends in .toml, else JSON with comments.
 * @param {string} text
 * @param {string} file  the file's name, for messages
 * @returns {unknown}
 */
export function parseConfigText(text, file) {
  if (file.endsWith(".toml")) {
    try {
      return parseToml(text);
    } catch (error) {
      if (!(error instanceof TomlError)) throw error;
      // smol-toml's message is "Invalid TOML document: <reason>" followed by a code frame.
      const [reason, ...frame] = error.message.replace(/^Invalid TOML document: /, "").split("\n");
      throw new Error(`${file}: TOML syntax error on line ${error.line}, column ${error.column}: ${reason}\n${frame.join("\n")}`.trimEnd());
    }
  }
  return parseJsonc(text, file);
}

/**
 * JSON with comments and trailing commas, as wrangler reads wrangler.json and wrangler.jsonc.
 * Values are built as the scanner reports them (one pass, no syntax tree kept).
 * @param {string} text
 * @param {string} file  the file's name, for messages
 * @returns {unknown}
 */
function parseJsonc(text, file) {
  /** @type {(Record<string, unknown> | unknown[])[]} the open objects and arrays, innermost last */
  const open = [];
  let key = "";
  /** @type {unknown} */
  let result;
  /** @param {unknown} value */
  const add = (value) => {
    const parent = open.at(-1);
    if (parent === undefined) result = value;
    else if (Array.isArray(parent)) parent.push(value);
    // As JSON.parse does: a "__proto__" key is an own property; assigning it would set the prototype.
    else if (key === "__proto__") Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
    else parent[key] = value;
  };
  /** @param {Record<string, unknown> | unknown[]} container */
  const begin = (container) => {
    add(container);
    open.push(container);
  };
  /** @type {{ code: number, offset: number, length: number } | undefined} */
  let error;
  visit(
    text,
    {
      onObjectBegin: () => begin({}),
      onArrayBegin: () => begin([]),
      onObjectEnd: () => void open.pop(),
      onArrayEnd: () => void open.pop(),
      onObjectProperty: (name) => void (key = name),
      onLiteralValue: add,
      onError: (code, offset, length) => void (error ??= { code, offset, length }),
    },
    { allowTrailingComma: true },
  );
  if (error) {
    const reason = printParseErrorCode(error.code)
      .replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)
      .trim();
    const token = text.slice(error.offset, error.offset + Math.min(error.length, 40));
    throw new Error(`${file}: JSON syntax error on ${lineAndColumn(text, error.offset)}: ${reason}${token ? ` at ${JSON.stringify(token)}` : ""}`);
  }
  return result;
}

/** "line L, column C" (both from 1) of a character offset. @param {string} text @param {number} offset */
function lineAndColumn(text, offset) {
  const before = text.slice(0, offset);
  return `line ${before.split("\n").length}, column ${offset - before.lastIndexOf("\n")}`;
}

/**
 * Checks a parsed config and turns it into Outpost's settings; paths resolve against the file's directory.
 * @param {unknown} raw
 * @param {string} path  absolute path of the config file
 * @returns {WranglerConfig}
 */
export function validateWranglerConfig(raw, path, file = basename(path)) {
  const dir = dirname(path);
  const check = checker(file);
  const config = check.table(raw, "the top level");
  refuseUnsupported(config, file);
  // Each wrangler release adds fields: one Outpost does not know only earns a warning (a binding it
  // does not implement is refused above, by name). An empty one says nothing (the configs the
  // Cloudflare Vite plugin writes carry every field its wrangler knows, most of them empty).
  const unknown = Object.keys(config).filter(
    (key) => !SUPPORTED.has(key) && !IGNORED.has(key) && !UNSUPPORTED.has(key) && !BOOKKEEPING.has(key) && !isEmpty(config[key]),
  );
  const warnings = unknown.length > 0 ? [`${file} has fields Outpost does not read: ${unknown.join(", ")}. Check their spelling; they are ignored.`] : [];

  const name = check.string(config.name, "name");
  const main = check.string(config.main, "main");
  const compatibilityDate = check.string(config.compatibility_date, "compatibility_date");

  /** @type {Record<string, string>} */
  const keys = { compatibilityDate: "compatibility_date", compatibilityFlags: "compatibility_flags", routes: config.route === undefined ? "routes" : "route" };
  if (config.limits !== undefined) keys["limits.cpuMs"] = "limits.cpu_ms";
  if (config.triggers !== undefined) keys.crons = "triggers.crons";
  if (config.assets !== undefined) {
    Object.assign(keys, {
      "assets.binding": "assets.binding",
      "assets.htmlHandling": "assets.html_handling",
      "assets.notFoundHandling": "assets.not_found_handling",
      "assets.runWorkerFirst": "assets.run_worker_first",
    });
  }
  /** @type {Record<string, unknown>} */
  const vars = {};
  for (const [key, value] of Object.entries(check.table(config.vars ?? {}, "vars"))) {
    check.binding(key, `vars.${key}`);
    let json;
    try {
      json = JSON.stringify(value);
    } catch {}
    if (json === undefined) throw new Error(`${file}: vars.${key} must be a string or a JSON value`);
    // Through JSON so TOML dates become strings and tables plain objects, as the worker will see them.
    vars[key] = JSON.parse(json);
    keys[`vars.${key}`] = `vars.${key}`;
  }

  /** @type {Record<string, string>} */
  const kv = {};
  check.tables(config.kv_namespaces ?? [], "kv_namespaces").forEach((entry, i) => {
    const binding = check.binding(entry.binding, `kv_namespaces[${i}].binding`);
    // The `id` names the namespace; without one, like the --kv flag, the binding's name does
    // (Outpost creates namespaces on deploy). `preview_id` is for `wrangler dev` only.
    kv[binding] = check.string(entry.id, `kv_namespaces[${i}].id`) ?? binding;
    keys[`kv.${binding}`] = `kv_namespaces[${i}].id`;
  });

  if (config.route !== undefined && config.routes !== undefined) throw new Error(`${file}: use either route or routes, not both`);
  const routes =
    config.route !== undefined
      ? [routePattern(config.route, "route", check)]
      : check.array(config.routes ?? [], "routes").map((route, i) => routePattern(route, `routes[${i}]`, check));

  /** @type {WranglerConfig["services"]} */
  const services = {};
  check.tables(config.services ?? [], "services").forEach((entry, i) => {
    const binding = check.binding(entry.binding, `services[${i}].binding`);
    const service = check.required(check.string(entry.service, `services[${i}].service`), `services[${i}].service`);
    services[binding] = defined({ service, entrypoint: check.string(entry.entrypoint, `services[${i}].entrypoint`) });
    keys[`services.${binding}`] = `services[${i}]`;
  });

  /** @type {Record<string, string>} */
  const r2 = {};
  check.tables(config.r2_buckets ?? [], "r2_buckets").forEach((entry, i) => {
    const binding = check.binding(entry.binding, `r2_buckets[${i}].binding`);
    // `preview_bucket_name` and `jurisdiction` are Cloudflare-side; the bucket is the tenant's, by name.
    r2[binding] = check.required(check.string(entry.bucket_name, `r2_buckets[${i}].bucket_name`), `r2_buckets[${i}].bucket_name`);
    keys[`r2.${binding}`] = `r2_buckets[${i}].bucket_name`;
  });

  /** @type {Record<string, D1Database>} */
  const d1 = {};
  check.tables(config.d1_databases ?? [], "d1_databases").forEach((entry, i) => {
    const where = `d1_databases[${i}]`;
    const binding = check.binding(entry.binding, `${where}.binding`);
    // Named by `database_name` within the tenant; without one, like a KV namespace without an id,
    // by the binding's name. `preview_database_id` is for `wrangler dev` only.
    d1[binding] = defined({
      databaseName: check.string(entry.database_name, `${where}.database_name`) ?? binding,
      databaseId: check.string(entry.database_id, `${where}.database_id`),
      migrationsDir: resolve(dir, check.string(entry.migrations_dir, `${where}.migrations_dir`) ?? "migrations"),
    });
    keys[`d1.${binding}`] = where;
  });

  const assetsTable = config.assets === undefined ? undefined : check.table(config.assets, "assets");
  const assetsDirectory = assetsTable && check.required(check.string(assetsTable.directory, "assets.directory"), "assets.directory");
  const assets =
    assetsTable &&
    defined({
      directory: resolve(dir, /** @type {string} */ (assetsDirectory)),
      binding: assetsTable.binding === undefined ? undefined : check.binding(assetsTable.binding, "assets.binding"),
      htmlHandling: check.string(assetsTable.html_handling, "assets.html_handling"),
      notFoundHandling: check.string(assetsTable.not_found_handling, "assets.not_found_handling"),
      // true/false, or route patterns ("/api/*", "!/api/docs/*"); the platform checks the patterns.
      runWorkerFirst: Array.isArray(assetsTable.run_worker_first)
        ? check.strings(assetsTable.run_worker_first, "assets.run_worker_first")
        : check.boolean(assetsTable.run_worker_first, "assets.run_worker_first"),
    });

  // Outpost extension: `[[vaults]] binding = "VAULT"` gives the worker the tenant's vault.
  const vaults = check.tables(config.vaults ?? [], "vaults").map((entry, i) => check.binding(entry.binding, `vaults[${i}].binding`));

  // Cloudflare Secrets Store bindings read the tenant vault's entry `secret_name`; `store_id`
  // names a Cloudflare account's store and means nothing here.
  /** @type {WranglerConfig["secretsStore"]} */
  const secretsStore = {};
  check.tables(config.secrets_store_secrets ?? [], "secrets_store_secrets").forEach((entry, i) => {
    const where = `secrets_store_secrets[${i}]`;
    const binding = check.binding(entry.binding, `${where}.binding`);
    secretsStore[binding] = { secret: check.required(check.string(entry.secret_name, `${where}.secret_name`), `${where}.secret_name`) };
    keys[`secretsStore.${binding}`] = where;
  });

  const { queues, crons } = readQueuesAndCrons(config, check);

  // `[limits] cpu_ms` is enforced as a stall limit (docs/security.md, "CPU limit"); other limits (subrequests) are not read.
  const cpuMs = config.limits === undefined ? undefined : check.table(config.limits, "limits").cpu_ms;
  if (cpuMs !== undefined && !Number.isInteger(cpuMs)) throw new Error(`${file}: limits.cpu_ms must be a whole number of milliseconds`);

  // `[observability] enabled` (or `[observability.logs] enabled`) turns the worker's logs on, as it
  // turns Workers Logs on at Cloudflare; `head_sampling_rate` (either table) is the share of
  // invocations logged. Invocation-log settings are not read yet.
  const observabilityTable = config.observability === undefined ? undefined : check.table(config.observability, "observability");
  const logsTable = observabilityTable?.logs === undefined ? undefined : check.table(observabilityTable.logs, "observability.logs");
  const observability =
    check.boolean(observabilityTable?.enabled, "observability.enabled") === true || check.boolean(logsTable?.enabled, "observability.logs.enabled") === true;
  const samplingRate = logsTable?.head_sampling_rate ?? observabilityTable?.head_sampling_rate;
  const samplingKey = logsTable?.head_sampling_rate === undefined ? "observability.head_sampling_rate" : "observability.logs.head_sampling_rate";
  if (samplingRate !== undefined && (typeof samplingRate !== "number" || !(samplingRate >= 0 && samplingRate <= 1))) {
    throw new Error(`${file}: ${samplingKey} must be a number from 0 to 1`);
  }

  const rules = check.tables(config.rules ?? [], "rules").map((entry, i) => {
    const type = /** @type {ModuleRule["type"]} */ (entry.type);
    if (!RULE_TYPES.includes(type)) {
      throw new Error(`${file}: rules[${i}].type must be one of ${RULE_TYPES.map((t) => JSON.stringify(t)).join(", ")}`);
    }
    return defined({
      type,
      globs: check.strings(entry.globs, `rules[${i}].globs`),
      fallthrough: check.boolean(entry.fallthrough, `rules[${i}].fallthrough`),
    });
  });

  const alias = config.alias === undefined ? undefined : check.stringTable(config.alias, "alias");
  const tsconfig = check.string(config.tsconfig, "tsconfig");
  const baseDir = check.string(config.base_dir, "base_dir");
  return defined({
    path,
    name,
    main: main === undefined ? undefined : resolve(dir, main),
    compatibilityDate,
    compatibilityFlags: check.strings(config.compatibility_flags ?? [], "compatibility_flags"),
    vars,
    kv,
    routes,
    services,
    r2,
    d1,
    assets,
    vaults,
    secretsStore,
    queues,
    crons,
    cpuMs: /** @type {number | undefined} */ (cpuMs),
    observability: observability || undefined,
    headSamplingRate: observability ? /** @type {number | undefined} */ (samplingRate) : undefined,
    bundle: defined({
      rules,
      exclude: [path],
      baseDir: baseDir === undefined ? undefined : resolve(dir, baseDir),
      findAdditionalModules: check.boolean(config.find_additional_modules, "find_additional_modules"),
      preserveFileNames: check.boolean(config.preserve_file_names, "preserve_file_names"),
      esbuild: defined({
        define: config.define === undefined ? undefined : check.stringTable(config.define, "define"),
        // Relative targets are relative to the config file, as in wrangler; esbuild takes absolute ones.
        alias: alias && Object.fromEntries(Object.entries(alias).map(([from, to]) => [from, to.startsWith(".") ? resolve(dir, to) : to])),
        minify: check.boolean(config.minify, "minify"),
        keepNames: check.boolean(config.keep_names, "keep_names"),
        tsconfig: tsconfig === undefined ? undefined : resolve(dir, tsconfig),
        jsxFactory: check.string(config.jsx_factory, "jsx_factory"),
        jsxFragment: check.string(config.jsx_fragment, "jsx_fragment"),
      }),
    }),
    warnings,
    keys,
  });
}

/**
 * @template T
 * @typedef {{ [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
 *   & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> }} Defined
 */

/**
 * The object without its undefined properties: optional fields are absent, not undefined.
 * @template {Record<string, unknown>} T
 * @param {T} object
 * @returns {Defined<T>}
 */
function defined(object) {
  return /** @type {Defined<T>} */ (Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)));
}

/**
 * A route is a pattern string or a table with `pattern` (and `zone_name`/`zone_id`, which only
 * tell Cloudflare the zone). A custom domain takes every path of its host.
 * @param {unknown} route
 * @param {string} where
 * @param {ReturnType<typeof checker>} check
 */
function routePattern(route, where, check) {
  if (typeof route === "string") return route;
  const table = check.table(route, where, "a string or a table with a pattern");
  const pattern = check.required(check.string(table.pattern, `${where}.pattern`), `${where}.pattern`);
  if (!check.boolean(table.custom_domain, `${where}.custom_domain`)) return pattern;
  if (/[/*]/.test(pattern)) throw new Error(`${check.file}: ${where}.pattern must be a hostname without a path or "*" when custom_domain is true`);
  return `${pattern}/*`;
}

/** @param {Record<string, unknown>} config @param {string} file */
function refuseUnsupported(config, file) {
  /** @type {string[]} */
  const found = [];
  for (const [key, value] of Object.entries(config)) {
    const shape = UNSUPPORTED.get(key);
    if (shape === undefined || isEmpty(value)) continue;
    if (shape === "keys") {
      found.push(describe(key, isTable(value) ? Object.keys(value) : []));
    } else if (Array.isArray(shape) && isTable(value)) {
      const parts = shape.filter((part) => !isEmpty(value[part]));
      for (const part of parts) found.push(describe(`${key}.${part}`, bindingNames(value[part])));
      const rest = Object.keys(value).filter((other) => !shape.includes(other) && !isEmpty(value[other]));
      if (parts.length === 0 && rest.length > 0) found.push(key);
    } else {
      found.push(describe(key, bindingNames(value)));
    }
  }
  if (found.length > 0) {
    // Workers Sites has a replacement both platforms serve: point there rather than only refuse.
    const site = isTable(config.site) && typeof config.site.bucket === "string" ? config.site.bucket : undefined;
    const sites = site
      ? ` For [site], serve the files as static assets instead, as Cloudflare recommends: [assets] directory = ${JSON.stringify(site)} (the worker no longer needs __STATIC_CONTENT).`
      : "";
    throw new Error(`${file} uses bindings Outpost does not implement yet: ${found.join(", ")}. Remove them or deploy without them.${sites}`);
  }
}

/** @param {string} label @param {string[]} names */
function describe(label, names) {
  return names.length > 0 ? `${label} (${names.join(", ")})` : label;
}

/**
 * The names a binding section gives: each entry's binding (or name, class, queue), or the entry
 * itself when it is a string (a cron).
 * @param {unknown} value
 * @returns {string[]}
 */
function bindingNames(value) {
  if (Array.isArray(value)) return value.flatMap(bindingNames);
  if (typeof value === "string") return [value];
  if (!isTable(value)) return [];
  const name = [value.binding, value.name, value.class_name, value.queue].find((candidate) => typeof candidate === "string");
  return typeof name === "string" ? [name] : [];
}

/** @param {unknown} value */
function isEmpty(value) {
  return value === undefined || (Array.isArray(value) && value.length === 0) || (isTable(value) && Object.keys(value).length === 0);
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isTable(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Type checks whose messages name the file and the field: "wrangler.toml: vars must be a table". @param {string} file */
function checker(file) {
  // `file` may carry the environment: "wrangler.toml (env.dev)".
  const table = /\.toml\b/.test(file) ? "a table" : "an object";
  /** @param {string} where @param {string} expected @returns {never} */
  const fail = (where, expected) => {
    throw new Error(`${file}: ${where} must be ${expected}`);
  };
  const check = {
    file,
    /** @param {unknown} value @param {string} where @returns {string | undefined} */
    string: (value, where) => {
      if (value === undefined || typeof value === "string") return value;
      // An unquoted TOML date (compatibility_date = 2024-04-01) parses as a date, not a string.
      if (value instanceof Date) fail(where, `a string: put the date in quotes, "${value.toISOString()}"`);
      return fail(where, "a string");
    },
    /** @param {unknown} value @param {string} where @returns {boolean | undefined} */
    boolean: (value, where) => (value === undefined || typeof value === "boolean" ? value : fail(where, "true or false")),
    /**
     * A binding name, checked as the admin API checks it: it becomes a key of the worker's `env`
     * (and of the records built here, where `__proto__` would vanish without a word).
     * @param {unknown} value @param {string} where @returns {string}
     */
    binding: (value, where) => {
      const name = check.required(check.string(value, where), where);
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) fail(where, `a JavaScript identifier of at most 64 characters, not ${JSON.stringify(name)}`);
      if (["__proto__", "constructor", "prototype"].includes(name) || name.startsWith("__outpost")) {
        throw new Error(`${file}: ${where} cannot be ${name}: __proto__, constructor, prototype and __outpost… are reserved`);
      }
      return name;
    },
    /** @template T @param {T | undefined} value @param {string} where @returns {T} */
    required: (value, where) => {
      if (value === undefined) throw new Error(`${file}: ${where} is missing`);
      return value;
    },
    /** @param {unknown} value @param {string} where @param {string} [expected] @returns {Record<string, unknown>} */
    table: (value, where, expected = table) => (isTable(value) ? value : fail(where, expected)),
    /** @param {unknown} value @param {string} where @returns {unknown[]} */
    array: (value, where) => (Array.isArray(value) ? value : fail(where, "an array")),
    /** @param {unknown} value @param {string} where */
    tables: (value, where) => check.array(value, where).map((entry, i) => check.table(entry, `${where}[${i}]`)),
    /** @param {unknown} value @param {string} where */
    strings: (value, where) => check.array(value, where).map((entry, i) => (typeof entry === "string" ? entry : fail(`${where}[${i}]`, "a string"))),
    /** @param {unknown} value @param {string} where @returns {Record<string, string>} */
    stringTable: (value, where) =>
      Object.fromEntries(
        Object.entries(check.table(value, where)).map(([key, entry]) => [key, typeof entry === "string" ? entry : fail(`${where}.${key}`, "a string")]),
      ),
  };
  return check;
}
