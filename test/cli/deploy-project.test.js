// End to end: `outpost deploy <dir>` reads the project's wrangler.toml (or wrangler.jsonc), bundles
// its TypeScript with text, data, wasm and JSON modules, deploys to a real platform, and the worker runs.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "./temp-project.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
  await removeTempProjects();
});

/** Runs `outpost deploy DIR` against the test platform. @param {string} dir */
function deploy(dir) {
  return promisify(execFile)(process.execPath, ["cli/outpost.js", "deploy", dir], {
    cwd: ROOT,
    env: { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token },
  });
}

it("deploy: a TypeScript project with text, data, wasm and JSON modules, a KV binding and vars", async () => {
  const { stdout } = await deploy("test/fixtures/ts-project");
  // The platform's real port, not wrangler's 8787.
  expect(stdout).toMatch(new RegExp(`^Deployed ts-project \\(version [0-9a-f]{12}\\) → http://ts-project\\.localhost:${platform.port}/\n$`));

  const root = await platform.fetchWorker("ts-project", "/");
  expect(root.status).toBe(200);
  expect(JSON.parse(root.text)).toEqual({
    greeting: "Hello, JSON!",
    text: "Hello from a text module",
    bytes: [0, 1, 2, 254, 255],
    sum: 5,
    limits: { max: 3 },
  });
  expect(JSON.parse((await platform.fetchWorker("ts-project", "/kv")).text)).toEqual({ visits: "1" });
  expect(JSON.parse((await platform.fetchWorker("ts-project", "/kv")).text)).toEqual({ visits: "2" });
});

it("deploy: a wrangler.jsonc with comments and trailing commas", async () => {
  const dir = await tempProject({
    "wrangler.jsonc": `{
      // The worker: comments of both kinds and trailing commas, as wrangler accepts them.
      "name": "jsonc-project", /* named here */
      "main": "src/index.js",
      "compatibility_date": "2026-04-01",
      "vars": { "URL": "https://example.com/a//b", "LIST": [1, 2,], },
      "kv_namespaces": [{ "binding": "KV", "id": "jsonc-store" },],
    }
    `,
    "src/index.js": `export default {
      async fetch(request, env) {
        await env.KV.put("seen", "yes");
        return Response.json({ url: env.URL, list: env.LIST, seen: await env.KV.get("seen") });
      },
    };\n`,
  });
  expect((await deploy(dir)).stdout).toMatch(/^Deployed jsonc-project \(version [0-9a-f]{12}\)/);
  const response = await platform.fetchWorker("jsonc-project", "/");
  expect(JSON.parse(response.text)).toEqual({ url: "https://example.com/a//b", list: [1, 2], seen: "yes" });
});

it("deploy: a compatibility date newer than workerd knows (create-cloudflare writes its own) deploys with warnings and Node.js built-ins", async () => {
  const dir = await tempProject({
    // From 2026-08-04 Cloudflare has nodejs_compat on by date; create-cloudflare then drops the flag.
    "wrangler.jsonc": `{ "name": "future-project", "main": "src/index.js", "compatibility_date": "2999-01-01" }`,
    "src/index.js": `import { Buffer } from "node:buffer";
      export default { fetch() { return new Response(Buffer.from("hello").toString("base64")); } };\n`,
  });
  const { stdout, stderr } = await deploy(dir);
  expect(stdout).toMatch(/^Deployed future-project \(version [0-9a-f]{12}\)/);
  expect(stderr).toMatch(
    /^warning: compatibility date 2999-01-01 is newer than this platform's workerd supports; the worker runs with \d{4}-\d{2}-\d{2}\.\nwarning: nodejs_compat is on, as Cloudflare turns it on from 2026-08-04\.\n$/,
  );
  expect((await platform.fetchWorker("future-project", "/")).text).toBe("aGVsbG8=");
});

it("deploy: a wrangler.jsonc syntax error names the file, line and column, and nothing is deployed", async () => {
  const dir = await tempProject({
    "wrangler.jsonc": `{\n  // comment\n  "name": "jsonc-broken",\n  "main": src/index.js,\n}\n`,
    "src/index.js": `export default { fetch() { return new Response("hello"); } };\n`,
  });
  const failure = await deploy(dir).then(
    () => null,
    (error) => error,
  );
  expect(failure?.code).toBe(1);
  expect(failure?.stderr).toBe('outpost: wrangler.jsonc: JSON syntax error on line 4, column 11: invalid symbol at "src"\n');
  expect((await platform.fetchWorker("jsonc-broken", "/")).status).toBe(404);
});
