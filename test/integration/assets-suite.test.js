// Static asset routing as a behaviour suite: one table of requests, each answered by Miniflare's
// asset router (the reference) and by Outpost after `outpost deploy` of the same project
// (test/assets-suite: its .assetsignore, _headers and _redirects). What a row expects is what
// both give; "worker" means the worker answered, anything else an asset response.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "../cli/temp-project.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PUBLIC = fileURLToPath(new URL("../assets-suite/public", import.meta.url));
const WORKER = fileURLToPath(new URL("../assets-suite/worker.js", import.meta.url));

/**
 * One worker per way of configuring the assets (wrangler's `[assets]` keys).
 * @type {Record<string, { compatibilityDate: string, notFoundHandling: "single-page-application" | "404-page", runWorkerFirst?: boolean | string[], worker?: false }>}
 */
const CONFIGS = {
  spa: { compatibilityDate: "2026-04-01", notFoundHandling: "single-page-application" },
  "spa-2024": { compatibilityDate: "2024-12-01", notFoundHandling: "single-page-application" },
  pages: { compatibilityDate: "2026-04-01", notFoundHandling: "404-page" },
  patterns: { compatibilityDate: "2026-04-01", notFoundHandling: "single-page-application", runWorkerFirst: ["/api/*", "!/api/docs/*"] },
  "worker-first": { compatibilityDate: "2026-04-01", notFoundHandling: "single-page-application", runWorkerFirst: true },
  "assets-only": { compatibilityDate: "2026-04-01", notFoundHandling: "single-page-application", worker: false },
};

const NAVIGATE = { "sec-fetch-mode": "navigate" };
const FETCH = { "sec-fetch-mode": "cors" };

/**
 * @typedef {{ config: keyof typeof CONFIGS, path: string, method?: string, headers?: Record<string, string>,
 *   status: number, body?: string, location?: string, header?: [string, string | null] }} Case
 */
/** @type {Case[]} */
const CASES = [
  // Not found handling: only a navigation gets index.html without the worker (2025-04-01 on).
  { config: "spa", path: "/", status: 200, body: "<h1>app</h1>" },
  { config: "spa", path: "/client/route", headers: NAVIGATE, status: 200, body: "<h1>app</h1>" },
  { config: "spa", path: "/api/users", status: 200, body: "worker GET /api/users" },
  { config: "spa", path: "/api/users", headers: FETCH, status: 200, body: "worker GET /api/users" },
  { config: "spa", path: "/api/users", method: "POST", status: 200, body: "worker POST /api/users" },
  { config: "spa", path: "/", method: "POST", status: 405 },
  { config: "spa", path: "/via-binding/missing", status: 200, body: "<h1>app</h1>" },
  { config: "spa-2024", path: "/client/route", headers: NAVIGATE, status: 200, body: "worker GET /client/route" },
  { config: "spa-2024", path: "/about", headers: NAVIGATE, status: 200, body: "<h1>about</h1>" },
  { config: "pages", path: "/nope", headers: NAVIGATE, status: 404, body: "<h1>not found</h1>" },
  { config: "pages", path: "/nope", status: 200, body: "worker GET /nope" },
  // html_handling and paths: what every configuration shares.
  { config: "spa", path: "/about.html?x=1", status: 307, location: "/about?x=1" },
  { config: "spa", path: "/api/docs", status: 307, location: "/api/docs/" },
  { config: "spa", path: "/style.css", method: "HEAD", status: 200, body: "" },
  { config: "spa", path: "/about", status: 200, header: ["cache-control", "public, max-age=0, must-revalidate"] },
  { config: "spa", path: "/about", headers: { authorization: "Bearer x" }, status: 200, header: ["cache-control", null] },
  { config: "spa", path: "/%61bout", status: 307, location: "/about" },
  { config: "spa", path: "//about", status: 307, location: "/about" },
  // run_worker_first: patterns, negated patterns, true.
  { config: "patterns", path: "/api/users", headers: NAVIGATE, status: 200, body: "worker GET /api/users" },
  { config: "patterns", path: "/api/docs/", status: 200, body: "api docs" },
  { config: "patterns", path: "/api/docs/missing", status: 200, body: "<h1>app</h1>" },
  { config: "patterns", path: "/client/route", status: 200, body: "<h1>app</h1>" },
  { config: "patterns", path: "/style.css", status: 200, body: "body { color: red }" },
  { config: "worker-first", path: "/style.css", status: 200, body: "worker GET /style.css" },
  { config: "assets-only", path: "/client/route", status: 200, body: "<h1>app</h1>" },
  // .assetsignore: ignored files (and the rule files themselves) are not uploaded.
  { config: "spa", path: "/_worker.js/index.js", status: 200, body: "worker GET /_worker.js/index.js" },
  { config: "spa", path: "/_routes.json", status: 200, body: "worker GET /_routes.json" },
  { config: "spa", path: "/secret/server.js", status: 200, body: "worker GET /secret/server.js" },
  { config: "spa", path: "/notes.md", status: 200, body: "worker GET /notes.md" },
  { config: "spa", path: "/keep.md", status: 200, body: "# kept" },
  { config: "spa", path: "/.assetsignore", status: 200, body: "worker GET /.assetsignore" },
  { config: "spa", path: "/_headers", status: 200, body: "worker GET /_headers" },
  { config: "spa", path: "/_redirects", status: 200, body: "worker GET /_redirects" },
  { config: "spa", path: "/.well-known/security.txt", status: 200, body: "Contact: mailto:security@example.com" },
  // _headers: every matching rule applies, to asset responses only.
  { config: "spa", path: "/about", status: 200, header: ["x-frame-options", "DENY"] },
  { config: "spa", path: "/style.css", status: 200, header: ["cache-control", "public, max-age=31536000, immutable"] },
  { config: "spa", path: "/style.css", status: 200, header: ["x-frame-options", null] },
  { config: "spa", path: "/static/logo.txt", status: 200, header: ["x-name", "logo.txt"] },
  { config: "spa", path: "/api/users", status: 200, header: ["x-frame-options", null] },
  { config: "spa", path: "/old-about", status: 301, location: "/about", header: ["x-frame-options", "DENY"] },
  // _redirects: statuses, splats, placeholders, query strings, 200 rewrites.
  { config: "spa", path: "/go", status: 308, location: "https://example.com/landing" },
  { config: "spa", path: "/docs/intro?lang=en", status: 302, location: "/api/docs/intro?lang=en" },
  { config: "spa", path: "/team/ada", status: 302, location: "/about?member=ada" },
  { config: "spa", path: "/rewrite", status: 200, body: "<h1>about</h1>" },
  { config: "spa", path: "/missing-rewrite", status: 200, body: "<h1>app</h1>" },
  { config: "pages", path: "/missing-rewrite", status: 404, body: "<h1>not found</h1>" },
];

/** @param {Case} test */
const caseName = (test) =>
  `${test.config}: ${test.method ?? "GET"} ${test.path}${test.headers?.["sec-fetch-mode"] ? ` (${test.headers["sec-fetch-mode"]})` : ""} → ${test.status}` +
  `${test.body !== undefined ? ` ${JSON.stringify(test.body)}` : ""}${test.location ? ` ${test.location}` : ""}${test.header ? ` ${test.header[0]}: ${test.header[1]}` : ""}`;

/**
 * @param {Case} test
 * @param {{ status: number, text: string, header: (name: string) => string | null }} response
 */
function expectCase(test, response) {
  expect(response.status).toBe(test.status);
  if (test.body !== undefined) expect(response.text).toBe(test.body);
  if (test.location !== undefined) expect(response.header("location")).toBe(test.location);
  if (test.header) expect(response.header(test.header[0])).toBe(test.header[1]);
}

/** @param {import("../helpers/platform.js").HttpResult} response */
const headerOf = (response) => (/** @type {string} */ name) => {
  const value = response.headers[name];
  return value === undefined ? null : String(value);
};

describe("assets suite on Miniflare (reference)", () => {
  /** @type {Record<string, Miniflare>} */
  const instances = {};
  beforeAll(async () => {
    for (const [name, config] of Object.entries(CONFIGS)) {
      const runWorkerFirst = config.runWorkerFirst;
      const routerConfig = {
        has_user_worker: config.worker !== false,
        ...(typeof runWorkerFirst === "boolean" ? { invoke_user_worker_ahead_of_assets: runWorkerFirst } : {}),
        // wrangler splits the list so: "!/…" patterns go to the asset worker, "/…" ones to the user worker.
        ...(Array.isArray(runWorkerFirst)
          ? {
              static_routing: {
                user_worker: runWorkerFirst.filter((rule) => rule.startsWith("/")),
                asset_worker: runWorkerFirst.filter((rule) => rule.startsWith("!")).map((rule) => rule.slice(1)),
              },
            }
          : {}),
      };
      instances[name] = new Miniflare({
        modules: true,
        scriptPath: WORKER,
        compatibilityDate: config.compatibilityDate,
        assets: { directory: PUBLIC, binding: "ASSETS", routerConfig, assetConfig: { not_found_handling: config.notFoundHandling } },
      });
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(instances).map((mf) => mf.dispose()));
  });

  it.each(CASES.map((test) => [caseName(test), test]))("%s", async (_, test) => {
    const mf = instances[test.config];
    if (!mf) throw new Error(`no Miniflare for ${test.config}`);
    // Plain HTTP, as to Outpost: Node's fetch would replace Sec-Fetch-Mode with its own "cors".
    const response = await httpRequest(Number((await mf.ready).port), "localhost", test.path, { method: test.method ?? "GET", headers: test.headers ?? {} });
    expectCase(test, { status: response.status, text: response.text, header: headerOf(response) });
  });
});

describe("assets suite on Outpost", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let platform;
  beforeAll(async () => {
    platform = await startPlatform();
    const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
    for (const [name, config] of Object.entries(CONFIGS)) {
      const runWorkerFirst = config.runWorkerFirst;
      const project = await tempProject({
        "wrangler.toml": [
          `name = "${name}"`,
          ...(config.worker === false ? [] : [`main = ${JSON.stringify(WORKER)}`]),
          `compatibility_date = "${config.compatibilityDate}"`,
          "[assets]",
          `directory = ${JSON.stringify(PUBLIC)}`,
          ...(config.worker === false ? [] : ['binding = "ASSETS"']),
          `not_found_handling = "${config.notFoundHandling}"`,
          ...(runWorkerFirst === undefined ? [] : [`run_worker_first = ${JSON.stringify(runWorkerFirst)}`]),
        ].join("\n"),
      });
      await promisify(execFile)(process.execPath, ["cli/outpost.js", "deploy", project], { cwd: ROOT, env });
    }
  });
  afterAll(async () => {
    await removeTempProjects();
    await platform?.stop();
  });

  it.each(CASES.map((test) => [caseName(test), test]))("%s", async (_, test) => {
    const response = await platform.fetchWorker(test.config, test.path, { method: test.method ?? "GET", headers: test.headers ?? {} });
    expectCase(test, { status: response.status, text: response.text, header: headerOf(response) });
  });
});
