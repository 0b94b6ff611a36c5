// Bundles a tenant's entry file the way `wrangler deploy` does: ES modules and TypeScript into one
// main module; imports that module rules match (text, data, wasm, …) as modules of their own.
import { builtinModules } from "node:module";
import { basename, dirname, resolve } from "node:path";
import * as esbuild from "esbuild";
import { findAdditionalModules, moduleCollector } from "./module-rules.js";

/** @typedef {import("./module-rules.js").Module} Module */
/** @typedef {import("./module-rules.js").ModuleRule} ModuleRule */

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
 * What `wrangler deploy` adds for a tenant's modules: esbuild's browser platform (package.json
 * `browser` maps apply, and `browser` comes first among main fields), JSX allowed in .js files,
 * the syntax workerd's V8 runs as it is.
 */
const TENANT_BUILD = /** @satisfies {esbuild.BuildOptions} */ ({
  ...WORKERD_BUILD,
  platform: "browser",
  mainFields: ["browser", "module", "main"],
  target: "es2024",
  loader: { ".js": "jsx", ".mjs": "jsx", ".cjs": "jsx" },
});

/**
 * The constants wrangler defines: NODE_ENV is "production" for a deploy (so libraries drop their
 * development builds and `process` need not exist), and `navigator.userAgent` is Cloudflare's when
 * the date gives workers a global `navigator` (2022-03-21, flag `global_navigator`).
 * @param {string | undefined} compatibilityDate  undefined: the platform's newest
 * @param {string[]} compatibilityFlags
 * @returns {Record<string, string>}
 */
export function wranglerDefines(compatibilityDate, compatibilityFlags) {
  const nodeEnv = JSON.stringify(process.env.NODE_ENV || "production");
  const navigator =
    compatibilityFlags.includes("global_navigator") || (!compatibilityFlags.includes("no_global_navigator") && (compatibilityDate ?? "9999") >= "2022-03-21");
  return {
    ...(navigator ? { "navigator.userAgent": JSON.stringify("Cloudflare-Workers") } : {}),
    "process.env.NODE_ENV": nodeEnv,
    "global.process.env.NODE_ENV": nodeEnv,
    "globalThis.process.env.NODE_ENV": nodeEnv,
  };
}

/**
 * `import … from "cloudflare:workers"` in the worker (or its dependencies) goes to the module the
 * platform puts beside the bundle (runner/dispatch/entry-module.ts): the same exports, with an
 * `env` whose bindings are Cloudflare's objects rather than the platform's raw RPC stubs.
 * @type {esbuild.Plugin}
 */
const workersModulePlugin = {
  name: "outpost-cloudflare-workers",
  setup(build) {
    build.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: "./__outpost_workers.js", external: true }));
  },
};

/** `fs`, `node:fs`, `fs/promises`, … */
const NODE_BUILTIN = new RegExp(`^(node:)?(${builtinModules.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`);

/**
 * Node built-ins, as wrangler handles them: with Node.js compatibility v2 (`nodejs_compat` from
 * 2024-09-23, or `nodejs_compat_v2`) a bare `fs` is workerd's `node:fs`; and a CommonJS
 * `require()` of one (which esbuild cannot leave in an ES module) becomes an import.
 * @param {boolean} bareNames  v2: bare names are built-ins too
 * @returns {esbuild.Plugin}
 */
function nodeBuiltinsPlugin(bareNames) {
  return {
    name: "outpost-node-builtins",
    setup(build) {
      build.onResolve({ filter: NODE_BUILTIN }, (args) => {
        if (!bareNames && !args.path.startsWith("node:")) return undefined;
        const path = args.path.startsWith("node:") ? args.path : `node:${args.path}`;
        return args.kind === "require-call" ? { path, namespace: "outpost-require-builtin" } : { path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: "outpost-require-builtin" }, (args) => ({
        contents: `import builtin from ${JSON.stringify(args.path)};\nmodule.exports = builtin;\n`,
        loader: "js",
      }));
    },
  };
}

/** What to do when esbuild could not resolve a Node built-in (wrangler gives the same advice). @param {string} text */
function builtinHint(text) {
  const name = /^Could not resolve "([^"]+)"$/.exec(text)?.[1];
  if (!name) return "";
  if (NODE_BUILTIN.test(name)) return ` (a Node.js built-in: add the "nodejs_compat" compatibility flag to use it)`;
  // A package name, not a path: most often the project's dependencies are not installed yet.
  return /^[./]/.test(name) ? "" : ` (a package: install the project's dependencies, e.g. npm install, or add it with npm install ${packageOf(name)})`;
}

/** The npm package an import names: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`. @param {string} specifier */
function packageOf(specifier) {
  return specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
}

/**
 * wrangler's Node.js compatibility mode v2 (miniflare's getNodeCompat).
 * @param {string | undefined} compatibilityDate  undefined: the platform's newest
 * @param {string[]} flags
 */
function nodeCompatV2(compatibilityDate, flags) {
  if (flags.includes("nodejs_compat_v2")) return true;
  return flags.includes("nodejs_compat") && (compatibilityDate ?? "9999") >= "2024-09-23" && !flags.includes("no_nodejs_compat_v2");
}

/**
 * @typedef {object} BundleOptions
 * @property {ModuleRule[]} [rules]   the project's `[[rules]]`; wrangler's defaults always follow
 * @property {string} [baseDir]       where module names start (default: the entry's directory)
 * @property {boolean} [findAdditionalModules]  upload every file under baseDir a rule matches, unbundled
 * @property {boolean} [preserveFileNames]      name rule modules by their path, not `<sha1>-<file>`
 * @property {string[]} [exclude]     absolute paths find_additional_modules must not upload (the config file)
 * @property {Pick<esbuild.BuildOptions, "define" | "alias" | "minify" | "keepNames" | "tsconfig" | "jsxFactory" | "jsxFragment">} [esbuild]
 * @property {string} [compatibilityDate]       decides the defines, as in wrangler
 * @property {string[]} [compatibilityFlags]
 */

/**
 * @param {string} entry path to the worker's entry file (JS or TS)
 * @param {BundleOptions} [options]
 * @returns {Promise<{ mainModule: string, modules: Module[] }>} the main module first
 */
export async function bundleWorker(entry, options = {}) {
  const entryPath = resolve(entry);
  const baseDir = resolve(options.baseDir ?? dirname(entryPath));
  const mainModule = basename(entry).replace(/\.(ts|tsx|mts|jsx|mjs|cjs)$/, ".js");
  const additional = options.findAdditionalModules
    ? await findAdditionalModules({ baseDir, exclude: [entryPath, ...(options.exclude ?? [])], ...(options.rules ? { rules: options.rules } : {}) })
    : new Map();
  const collector = moduleCollector({
    baseDir,
    additional,
    ...(options.rules ? { rules: options.rules } : {}),
    ...(options.preserveFileNames ? { preserveFileNames: true } : {}),
  });
  let result;
  try {
    result = await esbuild.build({
      ...TENANT_BUILD,
      // wrangler keeps function and class names unless told otherwise (`keep_names = false`).
      keepNames: true,
      ...options.esbuild,
      // The project's `define` entries win over wrangler's, as in wrangler.
      define: { ...wranglerDefines(options.compatibilityDate, options.compatibilityFlags ?? []), ...options.esbuild?.define },
      // Paths in the bundle's comments are relative to this, so the bundle (and the
      // content-addressed version) does not depend on where `outpost deploy` ran.
      absWorkingDir: baseDir,
      entryPoints: [entryPath],
      metafile: true,
      plugins: [workersModulePlugin, nodeBuiltinsPlugin(nodeCompatV2(options.compatibilityDate, options.compatibilityFlags ?? [])), collector.plugin],
    });
  } catch (error) {
    const errors = /** @type {{ errors?: esbuild.Message[] }} */ (error).errors ?? [];
    const lines = errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}${e.text}${builtinHint(e.text)}`);
    throw new Error(`could not bundle ${entry}:\n  ${lines.join("\n  ") || String(error)}`);
  }
  const output = result.outputFiles[0];
  const exports = Object.values(result.metafile.outputs)[0]?.exports ?? [];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  if (!exports.includes("default")) {
    throw new Error(`${entry} has no default export. Outpost runs ES module workers: export default { fetch(request, env, ctx) { … } }`);
  }
  const others = [...additional.values(), ...collector.modules.values()];
  const clash = others.find((module) => module.name === mainModule);
  if (clash) throw new Error(`the module ${clash.name} would replace the bundled entry ${mainModule}; move it or rename the entry file`);
  return { mainModule, modules: [{ name: mainModule, type: "esm", content: output.text }, ...others] };
}
