// End to end: projects laid out as public Workers projects are, deployed with the steps their
// READMEs give for wrangler: an entry file beside its wrangler.toml, `--env`, `-c`, `--dry-run
// --outdir`, `--minify`, a Cloudflare Vite plugin build; each deploy reaches a real platform.
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { collectAssets } from "../../cli/assets.js";
import { startPlatform } from "../helpers/platform.js";
import { HELLO, removeTempProjects, tempProject } from "./temp-project.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HABITS = "test/fixtures/wrangler-habits";
const PUBLIC_URL = "https://workers.example.test";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  // Behind a proxy: the deploy message names the proxy's origin, not the local port.
  platform = await startPlatform({ env: { OUTPOST_PUBLIC_URL: PUBLIC_URL } });
});
afterAll(async () => {
  await platform?.stop();
  await removeTempProjects();
});

/**
 * Runs `outpost ARGS` against the test platform (or, with `adminUrl`, against another address).
 * @param {string[]} args
 * @param {string} [adminUrl]
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
function outpost(args, adminUrl = platform.adminUrl) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["cli/outpost.js", ...args],
      // Without NODE_ENV (vitest sets it to "test"), as in a user's shell: the bundle says "production".
      { cwd: ROOT, env: { ...process.env, NODE_ENV: undefined, OUTPOST_ADMIN_URL: adminUrl, OUTPOST_ADMIN_TOKEN: platform.token } },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    );
  });
}

/** @param {string} worker @param {string} [path] @param {{ method?: string }} [init] */
async function json(worker, path = "/", init = {}) {
  const response = await platform.fetchWorker(worker, path, init);
  expect(response.status, response.text).toBe(200);
  return JSON.parse(response.text);
}

it("deploy src/index.js: the wrangler.toml above the entry is merged; an old date, NODE_ENV and a browser map work", async () => {
  const { stdout, stderr } = await outpost(["deploy", `${HABITS}/src/index.js`]);
  expect(stderr).toBe("");
  expect(stdout).toMatch(/^Deployed habits \(version [0-9a-f]{12}\) → https:\/\/habits\.workers\.example\.test\/\n$/);
  expect(await json("habits")).toEqual({
    stage: "production",
    visits: 1,
    nodeEnv: "production",
    userAgent: "Cloudflare-Workers",
    html: "<p>hi</p>",
  });
  expect((await json("habits")).visits).toBe(2);
});

it("deploy --env staging: [env.staging] over the top level, as NAME-staging with its own bindings", async () => {
  const { stdout } = await outpost(["deploy", HABITS, "--env", "staging"]);
  expect(stdout).toMatch(/^Deployed habits-staging \(version [0-9a-f]{12}\)/);
  // main and compatibility_date are inherited; vars and the KV namespace are the section's own
  // (a first visit: habits-kv already counted two).
  expect(await json("habits-staging")).toMatchObject({ stage: "staging", visits: 1, nodeEnv: "production" });
});

it("deploy --env: a section the file does not have is refused, naming the ones it has", async () => {
  const { code, stderr } = await outpost(["deploy", HABITS, "--env", "prod"]);
  expect(code).toBe(1);
  expect(stderr).toBe(
    'outpost: No environment found in configuration with name "prod". Add an [env.prod] section to wrangler.toml; its environments are staging.\n',
  );
});

it("deploy --env: a binding the section does not repeat is not inherited, with wrangler's warning", async () => {
  const dir = await tempProject({
    "wrangler.toml": 'name = "inherit"\nmain = "index.js"\n[vars]\nA = "top"\n[env.dev]\nroutes = []\n',
    "index.js": `export default { fetch(request, env) { return Response.json({ a: env.A ?? null }); } };\n`,
  });
  const { stdout, stderr } = await outpost(["deploy", dir, "-e", "dev"]);
  expect(stderr).toBe(
    'warning: "vars" exists at the top level of wrangler.toml, but not on "env.dev": it is not inherited by environments. Add "vars" to "env.dev".\n',
  );
  expect(stdout).toMatch(/^Deployed inherit-dev /);
  expect(await json("inherit-dev")).toEqual({ a: null });
});

it("deploy: with nodejs_compat, bare Node built-ins and a CommonJS require() of one run in workerd", async () => {
  const dir = await tempProject({
    "wrangler.toml": 'name = "node-style"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\ncompatibility_flags = ["nodejs_compat"]\n',
    "index.js": `import { join } from "path";\nimport hex from "legacy";\nexport default { fetch() { return new Response(join("a", "b") + " " + hex()); } };\n`,
    "node_modules/legacy/package.json": JSON.stringify({ name: "legacy", main: "index.js" }),
    "node_modules/legacy/index.js": `const { Buffer } = require("buffer");\nmodule.exports = () => Buffer.from("hi").toString("hex");\n`,
  });
  expect((await outpost(["deploy", dir])).stdout).toMatch(/^Deployed node-style /);
  expect((await platform.fetchWorker("node-style")).text).toBe("a/b 6869");
});

it("deploy -c FILE: another config file, with the entry on the command line", async () => {
  const dir = await tempProject({
    "wrangler.other.toml": 'name = "configured"\nmain = "missing.js"\n[vars]\nWHO = "other"\n',
    "index.js": `export default { fetch(request, env) { return new Response(env.WHO); } };\n`,
  });
  const { stdout } = await outpost(["deploy", "-c", join(dir, "wrangler.other.toml"), join(dir, "index.js")]);
  expect(stdout).toMatch(/^Deployed configured /);
  expect((await platform.fetchWorker("configured")).text).toBe("other");
});

it("deploy --dry-run --outdir: the bundle is written, no platform is contacted", async () => {
  const out = await tempProject({});
  // An admin URL where nothing listens: any request would fail the command.
  const plain = await outpost(["deploy", HABITS, "--dry-run", "--outdir", join(out, "plain")], "http://127.0.0.1:9");
  expect(plain.stderr).toBe("");
  expect(plain.stdout).toBe(`Dry run: habits bundled (1 module) into ${join(out, "plain")}; nothing deployed\n`);
  expect(await readdir(join(out, "plain"))).toEqual(["index.js"]);
  const code = await readFile(join(out, "plain", "index.js"), "utf8");
  expect(code).toContain('nodeEnv: "production"');

  await outpost(["deploy", HABITS, "--dry-run", "--minify", "--outdir", join(out, "minified")], "http://127.0.0.1:9");
  const minified = await readFile(join(out, "minified", "index.js"), "utf8");
  expect(minified.length).toBeLessThan(code.length * 0.8);
  expect(minified).not.toContain("\n  ");
});

it("deploy: a Cloudflare Vite plugin build is deployed from the config .wrangler/deploy/config.json points to", async () => {
  const { stdout, stderr } = await outpost(["deploy", "test/fixtures/vite-project"]);
  // wrangler's bookkeeping keys, and the empty fields it writes for everything it knows, pass in silence.
  expect(stderr).toBe("");
  expect(stdout).toMatch(/^Assets: 1 files, 1 uploaded \(the rest unchanged\)\nDeployed vite-project /);
  // A POST: the single-page-application fallback answers unmatched GETs with index.html.
  expect(await json("vite-project", "/api/answer", { method: "POST" })).toEqual({ mode: "built", answer: 42, path: "/api/answer" });
  expect((await platform.fetchWorker("vite-project", "/")).text).toContain("built by vite");
});

it("deploy: a project without main replaces the worker with an assets-only one, and says so", async () => {
  const dir = await tempProject({ "wrangler.toml": 'name = "configured"\nassets = { directory = "public" }\n', "public/index.html": "static now" });
  const { stdout } = await outpost(["deploy", dir]);
  expect(stdout).toMatch(/\nDeployed configured \(assets only: the config has no main\) \(version [0-9a-f]{12}\) → https:\/\/configured\./);
  expect((await platform.fetchWorker("configured")).text).toBe("static now");
});

it("deploy: a service binding to a missing worker is refused before any asset is uploaded", async () => {
  const dir = await tempProject({
    "wrangler.toml": 'name = "orphan"\nmain = "index.js"\nassets = { directory = "public" }\n[[services]]\nbinding = "API"\nservice = "no-such-worker"\n',
    "index.js": HELLO,
    "public/unique.txt": `only this project has this file: ${Math.random()}`,
  });
  const { code, stdout, stderr } = await outpost(["deploy", dir]);
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr).toBe(
    "outpost: ERR_BAD_REQUEST: Could not resolve service binding 'API'. Target script 'no-such-worker' not found. Please verify the target script and try again.\n",
  );
  const hashes = Object.values(await collectAssets(join(dir, "public"))).map((file) => file.hash);
  expect((await platform.admin("POST", "/v1/assets/missing", { hashes })).body).toEqual({ missing: hashes });
  expect((await platform.admin("GET", "/v1/workers/orphan")).status).toBe(404);
});

it("deploy: the admin API's refusal names the config file's key, not the request body's", async () => {
  const dir = await tempProject({
    "wrangler.toml": 'name = "badkv"\nmain = "index.js"\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "not a namespace name"\n',
    "index.js": HELLO,
  });
  const { code, stderr } = await outpost(["deploy", dir]);
  expect(code).toBe(1);
  expect(stderr).toBe("outpost: ERR_BAD_REQUEST: wrangler.toml: kv_namespaces[0].id: KV namespace names are 1-64 letters, digits, '_', '.' and '-'.\n");
  const spa = await tempProject({
    "wrangler.toml": 'name = "badspa"\nmain = "index.js"\nassets = { directory = "public", not_found_handling = "spa" }\n',
    "index.js": HELLO,
    "public/index.html": "x",
  });
  expect((await outpost(["deploy", spa])).stderr).toMatch(/^outpost: ERR_BAD_REQUEST: wrangler\.toml: assets\.not_found_handling: /);
});
