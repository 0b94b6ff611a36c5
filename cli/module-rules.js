// Module rules: which imports become modules of their own in the upload instead of being bundled,
// as `wrangler deploy` does it (https://developers.cloudflare.com/workers/wrangler/bundling/).
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";

/** @typedef {"ESModule" | "CommonJS" | "Text" | "Data" | "CompiledWasm"} RuleType */
/** @typedef {{ type: RuleType, globs: string[], fallthrough?: boolean }} ModuleRule */
/** @typedef {{ name: string, type: "esm" | "cjs" | "text" | "data" | "json" | "wasm", content: string }} Module */

/** The rule types a `[[rules]]` entry may name. */
export const RULE_TYPES = /** @type {const} */ (["ESModule", "CommonJS", "Text", "Data", "CompiledWasm"]);

/** wrangler's defaults (4.86), consulted after the project's own rules. */
export const DEFAULT_RULES = /** @type {ModuleRule[]} */ ([
  { type: "Text", globs: ["**/*.txt", "**/*.html", "**/*.sql"] },
  { type: "Data", globs: ["**/*.bin"] },
  { type: "CompiledWasm", globs: ["**/*.wasm", "**/*.wasm?module"] },
]);

/** @type {Record<RuleType, Module["type"]>} */
const MODULE_TYPE = { ESModule: "esm", CommonJS: "cjs", Text: "text", Data: "data", CompiledWasm: "wasm" };

const SKIP = "outpostModuleRulesSkip";

/**
 * wrangler's rule order: the project's rules, then the defaults. The first rule of a type that is
 * not `fallthrough = true` ends that type; later rules of the type are removed, and a file that
 * only they match is an error rather than silently bundled.
 * @param {ModuleRule[]} [userRules]
 * @returns {{ rules: ModuleRule[], removed: ModuleRule[] }}
 */
export function parseRules(userRules = []) {
  /** @type {Set<RuleType>} */
  const completed = new Set();
  /** @type {ModuleRule[]} */
  const rules = [];
  /** @type {ModuleRule[]} */
  const removed = [];
  for (const rule of [...userRules, ...DEFAULT_RULES]) {
    if (completed.has(rule.type)) {
      removed.push(rule);
      continue;
    }
    rules.push(rule);
    if (rule.fallthrough !== true) completed.add(rule.type);
  }
  return { rules, removed };
}

/**
 * The npm `glob-to-regexp` translation wrangler uses: without `globstar` a `*` also crosses "/"
 * (how import specifiers are matched); with it, `**` spans directories and `*` does not (how
 * `find_additional_modules` matches file paths).
 * @param {string} glob
 * @param {boolean} [globstar]
 */
export function globToRegExp(glob, globstar = false) {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = /** @type {string} */ (glob[i]);
    if (char !== "*") {
      source += /[/$^+.()=!|?[\]{},\\]/.test(char) ? `\\${char}` : char;
      continue;
    }
    const previous = glob[i - 1];
    let stars = 1;
    while (glob[i + 1] === "*") (stars++, i++);
    const next = glob[i + 1];
    if (!globstar) source += ".*";
    else if (stars > 1 && (previous === "/" || previous === undefined) && (next === "/" || next === undefined)) {
      source += "((?:[^/]*(?:/|$))*)";
      i++;
    } else source += "([^/]*)";
  }
  return new RegExp(`^${source}$`);
}

/**
 * An esbuild plugin that takes imports matching the rules out of the bundle: each file becomes a
 * module of the upload (named `<sha1>-<file name>` like wrangler, or its path under `baseDir` with
 * `preserveFileNames`), and the import specifier becomes `./<name>`, which workerd resolves next
 * to the main module at the root of the upload. Files found by `find_additional_modules` keep
 * their path under `baseDir` and are never bundled.
 * @param {{ rules?: ModuleRule[], baseDir: string, additional?: Map<string, Module>, preserveFileNames?: boolean }} options
 *   `additional`: absolute path → module, from {@link findAdditionalModules}
 * @returns {{ plugin: import("esbuild").Plugin, modules: Map<string, Module> }} `modules` by name, filled while building
 */
export function moduleCollector(options) {
  const { rules, removed } = parseRules(options.rules);
  const additional = options.additional ?? new Map();
  /** @type {Map<string, Module>} */
  const modules = new Map();
  // Without find_additional_modules, JavaScript files are always bundled (wrangler does the same).
  const active = additional.size > 0 ? rules : rules.filter((rule) => !isJavaScript(rule.type));
  const matchers = [
    ...active.flatMap((rule) => rule.globs.map((glob) => ({ regex: globToRegExp(glob), rule, removed: false }))),
    ...removed.flatMap((rule) => rule.globs.map((glob) => ({ regex: globToRegExp(glob), rule, removed: true }))),
  ];

  /** @type {import("esbuild").Plugin} */
  const plugin = {
    name: "outpost-module-rules",
    setup(build) {
      build.onStart(() => {
        modules.clear();
      });
      if (matchers.length === 0) return;
      const filter = new RegExp(matchers.map(({ regex }) => `(?:${regex.source})`).join("|"));
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData?.[SKIP]) return undefined;
        const specifier = args.path.replace(/\?.*$/, "");
        const resolved = await build.resolve(specifier, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { [SKIP]: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const found = additional.get(resolved.path);
        if (found) return { path: `./${found.name}`, external: true };
        for (const { regex, rule, removed } of matchers) {
          if (!regex.test(args.path)) continue;
          if (removed) {
            return {
              errors: [
                {
                  text: `The file ${args.path} matched a module rule in your configuration (${JSON.stringify(rule)}), but was ignored because a previous rule with the same type was not marked as \`fallthrough = true\`.`,
                },
              ],
            };
          }
          if (isJavaScript(rule.type)) continue;
          const bytes = await readFile(resolved.path);
          const module = toModule(bytes, rule.type, moduleName(resolved.path, bytes, options));
          modules.set(module.name, module);
          return { path: `./${module.name}`, external: true };
        }
        return undefined;
      });
    },
  };
  return { plugin, modules };
}

/**
 * `find_additional_modules`: every file under `baseDir` that a rule matches (by its path there) is
 * uploaded as a module of that name. node_modules and dot-directories are skipped: wrangler would
 * upload them too, which only ever makes an upload too large.
 * @param {{ baseDir: string, rules?: ModuleRule[], exclude: string[] }} options `exclude`: absolute paths (entry, config file)
 * @returns {Promise<Map<string, Module>>} absolute path → module
 */
export async function findAdditionalModules({ baseDir, rules: userRules, exclude }) {
  const { rules, removed } = parseRules(userRules);
  /** @type {Map<string, Module>} */
  const found = new Map();
  for (const path of await listFiles(baseDir)) {
    if (exclude.includes(path)) continue;
    const name = relative(baseDir, path).split(sep).join("/");
    const rule = rules.find((candidate) => candidate.globs.some((glob) => globToRegExp(glob, true).test(name)));
    if (rule) {
      found.set(path, toModule(await readFile(path), rule.type, name));
      continue;
    }
    const dropped = removed.find((candidate) => candidate.globs.some((glob) => globToRegExp(glob, true).test(name)));
    if (dropped) {
      throw new Error(
        `The file ${name} matched a module rule in your configuration (${JSON.stringify(dropped)}), but was ignored because a previous rule with the same type was not marked as \`fallthrough = true\`.`,
      );
    }
  }
  return found;
}

/** @param {string} dir @returns {Promise<string[]>} */
async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  /** @type {string[]} */
  const files = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** @param {string} path @param {Buffer} bytes @param {{ baseDir: string, preserveFileNames?: boolean }} options */
function moduleName(path, bytes, options) {
  const under = relative(resolve(options.baseDir), path).split(sep).join("/");
  if (options.preserveFileNames && !under.startsWith("../")) return under;
  return `${createHash("sha1").update(bytes).digest("hex")}-${basename(path)}`;
}

/** @param {Buffer} bytes @param {RuleType} type @param {string} name @returns {Module} */
function toModule(bytes, type, name) {
  const moduleType = MODULE_TYPE[type];
  // The admin API carries binary modules as base64 (docs/admin-api.md, "Deploy body").
  const content = moduleType === "data" || moduleType === "wasm" ? bytes.toString("base64") : bytes.toString("utf8");
  return { name, type: moduleType, content };
}

/** @param {RuleType} type */
function isJavaScript(type) {
  return type === "ESModule" || type === "CommonJS";
}
