// Bundling like `wrangler deploy`: TypeScript and ES modules into one main module; imports that
// module rules match become modules of the upload, named so workerd resolves them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker, wranglerDefines } from "../../cli/bundle.js";
import { globToRegExp, parseRules } from "../../cli/module-rules.js";
import { HELLO, removeTempProjects, tempProject } from "./temp-project.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/ts-project", import.meta.url));

afterAll(removeTempProjects);

/**
 * The relative specifiers the main module imports, resolved the way workerd resolves them: next to
 * the main module, which is at the root of the upload.
 * @param {string} code
 */
function importedNames(code) {
  const specifiers = [...code.matchAll(/^import\s[^"]*"(\.{1,2}\/[^"]+)";$/gm)].map((match) => /** @type {string} */ (match[1]));
  return specifiers.map((specifier) => new URL(specifier, "file:///upload/index.js").pathname.replace(/^\/upload\//, ""));
}

/** @param {string} entry @param {import("../../cli/bundle.js").BundleOptions} [options] */
async function bundleError(entry, options) {
  try {
    await bundleWorker(entry, options);
  } catch (error) {
    return /** @type {Error} */ (error).message;
  }
  throw new Error("the bundle succeeded");
}

describe("the TypeScript fixture", () => {
  it("bundle: TypeScript and JSON are bundled; text, data and wasm imports become modules", async () => {
    const { mainModule, modules } = await bundleWorker(`${FIXTURE}/src/index.ts`);
    expect(mainModule).toBe("index.js");
    expect(modules.map(({ name, type }) => ({ name, type }))).toEqual([
      { name: "index.js", type: "esm" },
      { name: expect.stringMatching(/^[0-9a-f]{40}-message\.txt$/), type: "text" },
      { name: expect.stringMatching(/^[0-9a-f]{40}-bytes\.bin$/), type: "data" },
      { name: expect.stringMatching(/^[0-9a-f]{40}-add\.wasm$/), type: "wasm" },
    ]);
    const [main, text, data, wasm] = modules;
    expect(text?.content).toBe("Hello from a text module\n");
    expect(Buffer.from(data?.content ?? "", "base64")).toEqual(Buffer.from([0, 1, 2, 254, 255]));
    // The e2e test (deploy-project) runs it: add(2, 3) is 5.
    expect(Buffer.from(wasm?.content ?? "", "base64")).toEqual(readFileSync(`${FIXTURE}/src/add.wasm`));
    // TypeScript is gone, the helper and the JSON are inlined.
    expect(main?.content).not.toMatch(/: string|interface |from "\.\/greet"|config\.json"/);
    expect(main?.content).toContain('{ name: "JSON" }');
  });

  it("bundle: every specifier the main module imports names a module of the upload", async () => {
    const { modules } = await bundleWorker(`${FIXTURE}/src/index.ts`);
    const names = modules.map((module) => module.name);
    const imported = importedNames(modules[0]?.content ?? "");
    expect(imported).toHaveLength(3);
    expect(imported.every((name) => names.includes(name))).toBe(true);
    expect(names.every((name) => !name.startsWith("/") && !name.split("/").some((part) => part === "." || part === ".." || part === ""))).toBe(true);
  });

  it("bundle: the same project bundles to the same bytes (versions are content-addressed)", async () => {
    const first = await bundleWorker(`${FIXTURE}/src/index.ts`);
    const second = await bundleWorker(`${FIXTURE}/src/index.ts`, { baseDir: `${FIXTURE}/src` });
    expect(second).toEqual(first);
    expect(first.modules[0]?.content).not.toContain(FIXTURE);
  });
});

describe("entry files", () => {
  it("bundle: a plain JavaScript entry is one ES module, as before", async () => {
    const dir = await tempProject({ "worker.mjs": HELLO });
    const { mainModule, modules } = await bundleWorker(`${dir}/worker.mjs`);
    expect(mainModule).toBe("worker.js");
    expect(modules).toEqual([{ name: "worker.js", type: "esm", content: expect.stringContaining('new Response("hello")') }]);
  });

  it("bundle: cloudflare:workers is imported from the platform's stand-in beside the bundle; node: modules stay built-in", async () => {
    const source = `import { env, WorkerEntrypoint } from "cloudflare:workers";\nimport { Buffer } from "node:buffer";\nexport class Api extends WorkerEntrypoint {}\nexport default { fetch() { return new Response(Buffer.from(String(env.GREETING)).toString()); } };\n`;
    const dir = await tempProject({ "worker.js": source });
    const code = (await bundleWorker(`${dir}/worker.js`)).modules[0]?.content ?? "";
    expect(code).toMatch(/^import \{[^}]*\benv\b[^}]*\} from "\.\/__outpost_workers\.js";$/m);
    expect(code).not.toContain('"cloudflare:workers"');
    expect(code).toContain('from "node:buffer"');
  });

  it("bundle: an entry without a default export is refused", async () => {
    const dir = await tempProject({ "worker.js": `export function fetch() {}\n` });
    expect(await bundleError(`${dir}/worker.js`)).toBe(
      `${dir}/worker.js has no default export. Outpost runs ES module workers: export default { fetch(request, env, ctx) { … } }`,
    );
  });

  it("bundle: a missing import names the file and line", async () => {
    const dir = await tempProject({ "worker.js": `import x from "./nope.js";\nexport default { fetch() { return new Response(x); } };\n` });
    expect(await bundleError(`${dir}/worker.js`)).toBe(`could not bundle ${dir}/worker.js:\n  worker.js:1:14: Could not resolve "./nope.js"`);
  });

  it("bundle: a package that is not installed says to install the dependencies", async () => {
    const dir = await tempProject({ "worker.js": `import { Hono } from "@honox/nope/jsx";\nexport default new Hono();\n` });
    expect(await bundleError(`${dir}/worker.js`)).toBe(
      `could not bundle ${dir}/worker.js:\n  worker.js:1:21: Could not resolve "@honox/nope/jsx" ` +
        "(a package: install the project's dependencies, e.g. npm install, or add it with npm install @honox/nope)",
    );
  });

  it("bundle: the same file imported from two places is uploaded once", async () => {
    const dir = await tempProject({
      "worker.js": `import a from "./page.html";\nimport { b } from "./lib/b.js";\nexport default { fetch() { return new Response(a + b); } };\n`,
      "lib/b.js": `import page from "../page.html";\nexport const b = page;\n`,
      "page.html": "<p>hi</p>",
    });
    const { modules } = await bundleWorker(`${dir}/worker.js`);
    expect(modules.map((module) => module.type)).toEqual(["esm", "text"]);
    expect(new Set(importedNames(modules[0]?.content ?? ""))).toEqual(new Set([modules[1]?.name]));
  });
});

describe("as wrangler bundles", () => {
  it("bundle: NODE_ENV is production and navigator.userAgent Cloudflare's; the project's define wins", async () => {
    const entry = `${await tempProject({
      "index.js": `export default { fetch() { return Response.json([process.env.NODE_ENV, globalThis.process.env.NODE_ENV, navigator.userAgent, BUILD]); } };\n`,
    })}/index.js`;
    const previous = process.env.NODE_ENV;
    delete process.env.NODE_ENV;
    try {
      const { modules } = await bundleWorker(entry, { esbuild: { define: { BUILD: '"b1"', "navigator.userAgent": '"mine"' } } });
      expect(modules[0]?.content).toContain('Response.json(["production", "production", "mine", "b1"])');
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it("bundle: navigator.userAgent is defined from 2022-03-21 or with global_navigator, as in wrangler", () => {
    expect(wranglerDefines("2022-03-20", [])).not.toHaveProperty(["navigator.userAgent"]);
    expect(wranglerDefines("2022-03-20", ["global_navigator"])).toHaveProperty(["navigator.userAgent"], '"Cloudflare-Workers"');
    expect(wranglerDefines("2022-03-21", ["no_global_navigator"])).not.toHaveProperty(["navigator.userAgent"]);
    expect(wranglerDefines(undefined, [])).toHaveProperty(["navigator.userAgent"], '"Cloudflare-Workers"');
  });

  it("bundle: a package's browser build and its browser map are used, and JSX is allowed in .js files", async () => {
    const dir = await tempProject({
      "index.js": `import { where } from "dual";\nconst h = (tag) => tag;\nexport default { fetch() { return new Response(where() + (<b />)); } };\n`,
      "node_modules/dual/package.json": JSON.stringify({ name: "dual", main: "node.js", browser: { "./node.js": "./browser.js", fs: false } }),
      "node_modules/dual/node.js": `import { readFileSync } from "fs";\nexport const where = () => String(readFileSync);\n`,
      "node_modules/dual/browser.js": `import fs from "fs";\nexport const where = () => "browser:" + Object.keys(fs).length;\n`,
    });
    const { modules } = await bundleWorker(`${dir}/index.js`, { esbuild: { jsxFactory: "h" } });
    expect(modules[0]?.content).toContain('"browser:" + Object.keys(import_fs.default).length');
    expect(modules[0]?.content).toContain('h("b", null)');
  });
});

describe("Node built-ins", () => {
  /** A worker importing `path` and a CommonJS package that requires `buffer`. */
  const project = () =>
    tempProject({
      "index.js": `import { join } from "path";\nimport hex from "legacy";\nexport default { fetch() { return new Response(join("a", "b") + hex()); } };\n`,
      "node_modules/legacy/package.json": JSON.stringify({ name: "legacy", main: "index.js" }),
      "node_modules/legacy/index.js": `const { Buffer } = require("buffer");\nmodule.exports = () => Buffer.from("hi").toString("hex");\n`,
    });

  it("bundle: with nodejs_compat (v2, from 2024-09-23) a bare built-in is workerd's node: module, and require() of one an import", async () => {
    const { modules } = await bundleWorker(`${await project()}/index.js`, { compatibilityDate: "2025-01-01", compatibilityFlags: ["nodejs_compat"] });
    const code = modules[0]?.content ?? "";
    expect(code).toContain('import { join } from "node:path";');
    expect(code).toContain('import builtin from "node:buffer";');
    expect(code).not.toMatch(/__require\("|Dynamic require/);
  });

  it("bundle: without it, a bare built-in is refused with what to do", async () => {
    const dir = await project();
    expect(await bundleError(`${dir}/index.js`, { compatibilityDate: "2024-01-01", compatibilityFlags: ["nodejs_compat"] })).toBe(
      `could not bundle ${dir}/index.js:\n` +
        '  index.js:1:21: Could not resolve "path" (a Node.js built-in: add the "nodejs_compat" compatibility flag to use it)\n' +
        '  node_modules/legacy/index.js:1:27: Could not resolve "buffer" (a Node.js built-in: add the "nodejs_compat" compatibility flag to use it)',
    );
  });
});

describe("module rules", () => {
  it("rules: wrangler's defaults, then the project's rules first; fallthrough keeps the defaults of its type", () => {
    expect(parseRules([{ type: "Text", globs: ["**/*.md"], fallthrough: true }])).toEqual({
      rules: [
        { type: "Text", globs: ["**/*.md"], fallthrough: true },
        { type: "Text", globs: ["**/*.txt", "**/*.html", "**/*.sql"] },
        { type: "Data", globs: ["**/*.bin"] },
        { type: "CompiledWasm", globs: ["**/*.wasm", "**/*.wasm?module"] },
      ],
      removed: [],
    });
    expect(parseRules([{ type: "Data", globs: ["**/*.dat"] }]).removed).toEqual([{ type: "Data", globs: ["**/*.bin"] }]);
  });

  it("rules: globs match like wrangler's (npm glob-to-regexp)", () => {
    expect(globToRegExp("**/*.txt").test("./a/b.txt")).toBe(true);
    expect(globToRegExp("**/*.txt").test("b.txt")).toBe(false);
    expect(globToRegExp("**/*.wasm?module").test("./add.wasm?module")).toBe(true);
    expect(globToRegExp("**/*.wasm?module").test("./add.wasmXmodule")).toBe(false);
    expect(globToRegExp("**/*.js", true).test("index.js")).toBe(true);
    expect(globToRegExp("**/*.js", true).test("lang/en.js")).toBe(true);
    expect(globToRegExp("lang/*.js", true).test("lang/deep/en.js")).toBe(false);
  });

  it("rules: a project rule adds a type; ?module wasm imports work", async () => {
    const dir = await tempProject({
      "src/index.js": [
        `import readme from "./README.md";`,
        `import table from "./table.dat";`,
        `import note from "./note.txt";`,
        `import add from "./add.wasm?module";`,
        `export default { fetch() { return new Response(readme + table.byteLength + note + add); } };`,
      ].join("\n"),
      "src/README.md": "# readme",
      "src/table.dat": new Uint8Array([9, 8, 7]),
      "src/note.txt": "note",
      "src/add.wasm": readFileSync(`${FIXTURE}/src/add.wasm`),
    });
    const { modules } = await bundleWorker(`${dir}/src/index.js`, {
      rules: [
        { type: "Text", globs: ["**/*.md"], fallthrough: true },
        { type: "Data", globs: ["**/*.dat"] },
      ],
    });
    expect(modules.slice(1).map(({ name, type, content }) => ({ name: name.replace(/^[0-9a-f]{40}-/, ""), type, content }))).toEqual([
      { name: "README.md", type: "text", content: "# readme" },
      { name: "table.dat", type: "data", content: Buffer.from([9, 8, 7]).toString("base64") },
      { name: "note.txt", type: "text", content: "note" },
      { name: "add.wasm", type: "wasm", content: readFileSync(`${FIXTURE}/src/add.wasm`).toString("base64") },
    ]);
    expect(importedNames(modules[0]?.content ?? "")).toEqual(modules.slice(1).map((module) => module.name));
  });

  it("rules: a rule without fallthrough replaces wrangler's default of its type, and the file is refused", async () => {
    const dir = await tempProject({
      "index.js": `import data from "./blob.bin";\nexport default { fetch() { return new Response(data); } };\n`,
      "blob.bin": new Uint8Array([1]),
    });
    expect(await bundleError(`${dir}/index.js`, { rules: [{ type: "Data", globs: ["**/*.dat"] }] })).toBe(
      `could not bundle ${dir}/index.js:\n  index.js:1:17: The file ./blob.bin matched a module rule in your configuration ({"type":"Data","globs":["**/*.bin"]}), ` +
        "but was ignored because a previous rule with the same type was not marked as `fallthrough = true`.",
    );
  });

  it("rules: preserve_file_names names modules by their path under the base directory", async () => {
    const dir = await tempProject({
      "src/index.js": `import page from "./pages/home.html";\nexport default { fetch() { return new Response(page); } };\n`,
      "src/pages/home.html": "<h1>home</h1>",
    });
    const { modules } = await bundleWorker(`${dir}/src/index.js`, { preserveFileNames: true });
    expect(modules.map((module) => module.name)).toEqual(["index.js", "pages/home.html"]);
    expect(importedNames(modules[0]?.content ?? "")).toEqual(["pages/home.html"]);
  });

  it("rules: find_additional_modules uploads every matching file under the base directory, unbundled", async () => {
    const dir = await tempProject({
      "wrangler.toml": `main = "src/index.js"`,
      "src/index.js": [
        `import { en } from "./lang/en.js";`,
        `import { helper } from "./helper.ts";`,
        `export default { async fetch(request) {`,
        // A specifier esbuild cannot see through is left to workerd, which finds the uploaded module.
        `  const lang = "./lang/" + new URL(request.url).pathname.slice(1) + ".js";`,
        `  const { text } = await import(lang);`,
        `  return new Response(en + text + helper);`,
        `} };`,
      ].join("\n"),
      "src/helper.ts": `export const helper: string = "h";\n`,
      "src/lang/en.js": `export const en = "hello"; export const text = en;\n`,
      "src/lang/fr.cjs": `module.exports = { text: "bonjour" };\n`,
      "src/lang/notes.txt": "unused",
      "src/node_modules/dep/index.js": "export default 1;\n",
      "src/.cache/x.js": "export default 1;\n",
    });
    const { modules } = await bundleWorker(`${dir}/src/index.js`, {
      findAdditionalModules: true,
      exclude: [`${dir}/wrangler.toml`],
      rules: [
        { type: "ESModule", globs: ["**/*.js"] },
        { type: "CommonJS", globs: ["**/*.cjs"] },
      ],
    });
    expect(modules.map(({ name, type }) => ({ name, type }))).toEqual([
      { name: "index.js", type: "esm" },
      { name: "lang/en.js", type: "esm" },
      { name: "lang/fr.cjs", type: "cjs" },
      { name: "lang/notes.txt", type: "text" },
    ]);
    expect(importedNames(modules[0]?.content ?? "")).toEqual(["lang/en.js"]);
    expect(modules[0]?.content).toContain('var helper = "h"');
  });

  it("rules: a module that would replace the bundled entry is refused", async () => {
    const dir = await tempProject({ "src/index.js": HELLO, "index.js": "export default 1;\n" });
    expect(await bundleError(`${dir}/src/index.js`, { baseDir: dir, findAdditionalModules: true, rules: [{ type: "ESModule", globs: ["**/*.js"] }] })).toBe(
      "the module index.js would replace the bundled entry index.js; move it or rename the entry file",
    );
  });
});
