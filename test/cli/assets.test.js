// Static assets end to end: `outpost deploy` of a project with [assets], served before the
// worker with Cloudflare's html_handling and not_found_handling, ETags, ranges and rollback.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "./temp-project.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let site;

/** @param {string[]} args */
async function outpost(args) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
  return (await promisify(execFile)(process.execPath, ["cli/outpost.js", ...args], { cwd: ROOT, env })).stdout;
}
/** @param {string} path @param {Record<string, string>} [headers] @param {string} [method] */
const get = (path, headers = {}, method = "GET") => platform.fetchWorker("site", path, { headers, method });

beforeAll(async () => {
  platform = await startPlatform();
  site = await tempProject({
    "wrangler.toml": [
      'name = "site"',
      'main = "worker.js"',
      'compatibility_date = "2026-04-01"',
      "[assets]",
      'directory = "public"',
      'binding = "ASSETS"',
    ].join("\n"),
    "worker.js": `export default { async fetch(request, env) {
      const url = new URL(request.url);
      if (url.pathname === "/via-binding") return env.ASSETS.fetch(new URL("/style.css", request.url));
      return new Response("worker: " + url.pathname);
    } };`,
    "public/index.html": "<h1>home</h1>",
    "public/about.html": "<h1>about</h1>",
    "public/docs/index.html": "<h1>docs</h1>",
    "public/style.css": "body { color: red }",
    "public/.well-known/security.txt": "dotfiles are assets too, as with wrangler",
    "public/.assetsignore": "draft.html",
    "public/draft.html": "never uploaded",
  });
});
afterAll(async () => {
  await removeTempProjects();
  await platform?.stop();
});

describe("assets", () => {
  it("assets: uploaded at deploy; unchanged files are not uploaded again", async () => {
    expect(await outpost(["deploy", site])).toMatch(/^Assets: 5 files, 5 uploaded \(the rest unchanged\)\nDeployed site /);
    await writeFile(join(site, "public/style.css"), "body { color: blue }");
    expect(await outpost(["deploy", site])).toMatch(/^Assets: 5 files, 1 uploaded/);
  });

  it("assets: served before the worker with content type and a strong ETag", async () => {
    const home = await get("/");
    expect(home).toMatchObject({ status: 200, text: "<h1>home</h1>" });
    expect(home.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(home.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect((await get("/style.css")).text).toBe("body { color: blue }");
    expect((await get("/api/users")).text).toBe("worker: /api/users");
    expect((await get("/.well-known/security.txt")).text).toBe("dotfiles are assets too, as with wrangler");
    expect((await get("/draft")).text).toBe("worker: /draft");
    expect((await get("/.assetsignore")).text).toBe("worker: /.assetsignore");
  });

  it("assets: If-None-Match gives 304, Range gives 206, HEAD gives headers only", async () => {
    const { etag } = (await get("/style.css")).headers;
    expect((await get("/style.css", { "if-none-match": String(etag) })).status).toBe(304);
    const part = await get("/style.css", { range: "bytes=0-3" });
    expect(part).toMatchObject({ status: 206, text: "body" });
    expect(part.headers["content-range"]).toBe("bytes 0-3/20");
    expect((await get("/style.css", { range: "bytes=100-200" })).status).toBe(416);
    const head = await get("/style.css", {}, "HEAD");
    expect(head).toMatchObject({ status: 200, text: "" });
    expect(head.headers["content-length"]).toBe("20");
  });

  it("assets: html_handling auto-trailing-slash, as Cloudflare's default", async () => {
    expect((await get("/about")).text).toBe("<h1>about</h1>");
    expect(await get("/about.html")).toMatchObject({ status: 307, headers: expect.objectContaining({ location: "/about" }) });
    expect((await get("/docs/")).text).toBe("<h1>docs</h1>");
    expect(await get("/docs")).toMatchObject({ status: 307, headers: expect.objectContaining({ location: "/docs/" }) });
    expect(await get("/index.html")).toMatchObject({ status: 307, headers: expect.objectContaining({ location: "/" }) });
  });

  it("assets: env.ASSETS fetches the version's assets from the worker", async () => {
    expect((await get("/via-binding")).text).toBe("body { color: blue }");
  });

  it("assets: a rollback restores the previous version's assets", async () => {
    await outpost(["rollback", "site"]);
    expect((await get("/style.css")).text).toBe("body { color: red }");
    await outpost(["rollback", "site", (await platform.admin("GET", "/v1/workers/site/versions")).body.versions.at(-1).id]);
    expect((await get("/style.css")).text).toBe("body { color: blue }");
  });

  it("assets: not_found_handling single-page-application and 404-page", async () => {
    const spa = await tempProject({
      "wrangler.toml": [
        'name = "spa"',
        'compatibility_date = "2026-04-01"',
        "[assets]",
        'directory = "dist"',
        'not_found_handling = "single-page-application"',
      ].join("\n"),
      "dist/index.html": "<div id=app></div>",
    });
    const docs = await tempProject({
      "wrangler.toml": ['name = "docs-site"', 'compatibility_date = "2026-04-01"', "[assets]", 'directory = "out"', 'not_found_handling = "404-page"'].join(
        "\n",
      ),
      "out/index.html": "docs home",
      "out/404.html": "not here",
      "out/guide/404.html": "no such guide",
    });
    await outpost(["deploy", spa]);
    await outpost(["deploy", docs]);
    expect(await platform.fetchWorker("spa", "/some/client/route")).toMatchObject({ status: 200, text: "<div id=app></div>" });
    expect(await platform.fetchWorker("docs-site", "/missing")).toMatchObject({ status: 404, text: "not here" });
    expect(await platform.fetchWorker("docs-site", "/guide/missing")).toMatchObject({ status: 404, text: "no such guide" });
  });

  it("assets: a manifest naming files that were not uploaded is refused", async () => {
    const { bundleWorker } = await import("../../cli/bundle.js");
    const body = await bundleWorker(join(site, "worker.js"));
    const response = await platform.admin("PUT", "/v1/workers/forged", { ...body, assets: { files: { "/x": { hash: "a".repeat(64), size: 1 } } } });
    expect(response.body.error.message).toBe(`Asset /x (${"a".repeat(64)}) was not uploaded; upload it first (POST /v1/assets/missing, PUT /v1/assets/:hash).`);
    const wrongHash = await fetch(`${platform.adminUrl}/v1/assets/${"b".repeat(64)}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${platform.token}` },
      body: "bytes",
    });
    expect(wrongHash.status).toBe(400);
  });
});
