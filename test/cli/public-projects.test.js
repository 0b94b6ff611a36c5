// Projects shaped like public Workers projects (test/fixtures/public-projects: a Hono JSX site
// with static files, a KV URL shortener, a KV to-do list, an R2 file browser single-page app, a
// static site, a worker with a staging environment), each deployed with the deploy command its
// README gives for wrangler, `outpost` in place of `wrangler`, then used over HTTP as a person
// or the page's own script would.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, waitUntil } from "../helpers/platform.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROJECTS = join(ROOT, "test/fixtures/public-projects");
/** What a browser sends for a page load, and for a `fetch()` from the page. */
const NAVIGATE = { "sec-fetch-mode": "navigate", accept: "text/html" };
const FETCH = { "sec-fetch-mode": "cors", accept: "*/*" };

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

/**
 * The `wrangler VERB` commands in the project's README (an `npm run X` step is its script; what
 * is piped into a command is dropped), as argument lists for `outpost`.
 * @param {string} project
 * @param {string} [verb]
 * @returns {Promise<string[][]>}
 */
async function readmeSteps(project, verb = "deploy") {
  const readme = await readFile(join(PROJECTS, project, "README.md"), "utf8");
  const scripts = await readFile(join(PROJECTS, project, "package.json"), "utf8").then(
    (text) => JSON.parse(text).scripts,
    () => ({}),
  );
  const steps = readme
    .split("\n")
    .map((line) => line.replace(/#.*/, "").replace(/^.*\|/, "").trim())
    .map((line) => line.match(/^npm run (\S+)$/)?.[1] ?? line)
    .map((line) => scripts[line] ?? line);
  return steps.filter((step) => new RegExp(`^(npx )?wrangler ${verb}\\b`).test(step)).map((step) => step.split(/\s+/).slice(step.startsWith("npx") ? 2 : 1));
}

/**
 * Runs `outpost ARGS` in the project's directory, with stdin, stdout and stderr piped.
 * @param {string} project
 * @param {string[]} args
 * @param {string} [input]  written to its stdin
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
function outpost(project, args, input = "") {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, "cli/outpost.js"), ...args],
      { cwd: join(PROJECTS, project), env: { ...process.env, NODE_ENV: undefined, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token } },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

/**
 * Deploys the project with its README's `which`th deploy command; a piped deploy prints no
 * progress, only its result.
 * @param {string} project @param {number} [which]
 */
async function deployAsReadmeSays(project, which = 0) {
  const args = (await readmeSteps(project))[which];
  if (!args) throw new Error(`${project}/README.md has no deploy step ${which}`);
  const { code, stdout, stderr } = await outpost(project, args);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return stdout;
}

it("hono-blog: `npm run deploy` (wrangler deploy --minify src/index.tsx): JSX pages rendered, static files served", async () => {
  expect(await readmeSteps("hono-blog")).toEqual([["deploy", "--minify", "src/index.tsx"]]);
  expect(await deployAsReadmeSays("hono-blog")).toMatch(/\nDeployed hono-blog \(version [0-9a-f]{12}\) → http:\/\/hono-blog\.localhost:\d+\/\n$/);
  const home = await platform.fetchWorker("hono-blog", "/", { headers: NAVIGATE });
  expect(home.status).toBe(200);
  expect(home.headers["content-type"]).toBe("text/html; charset=UTF-8");
  expect(home.text).toContain('<link rel="stylesheet" href="/static/style.css"/>');
  expect(home.text).toContain('<a href="/post/2">Static files</a>');
  expect((await platform.fetchWorker("hono-blog", "/post/1")).text).toContain("<h1>Hello Hono</h1><p>Rendered with hono/jsx on the server.</p>");
  expect((await platform.fetchWorker("hono-blog", "/post/9")).status).toBe(404);
  // Behind Hono's cache middleware: the Cache API is there, and misses, as on workers.dev.
  const api = await platform.fetchWorker("hono-blog", "/api/posts", { headers: FETCH });
  expect([api.status, api.headers["cache-control"], JSON.parse(api.text).length]).toEqual([200, "max-age=60", 2]);
  const css = await platform.fetchWorker("hono-blog", "/static/style.css");
  expect(css.status).toBe(200);
  expect(css.headers["content-type"]).toMatch(/^text\/css/);
  expect(css.text).toBe(await readFile(join(PROJECTS, "hono-blog/public/static/style.css"), "utf8"));
});

it("kv-url-shortener: compatibility date 2023-01-28, a hex namespace id: shorten a link, follow it", async () => {
  expect(await deployAsReadmeSays("kv-url-shortener")).toMatch(/^Deployed url-shortener /);
  expect((await platform.fetchWorker("url-shortener", "/")).text).toContain('<form method="post">');
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const made = await platform.fetchWorker("url-shortener", "/", { method: "POST", headers: form, body: "url=https%3A%2F%2Fexample.com%2Fdocs%3Fa%3D1" });
  expect(made.status).toBe(201);
  const { slug, short } = JSON.parse(made.text);
  expect(short).toBe(`http://url-shortener.localhost/${slug}`);
  const followed = await platform.fetchWorker("url-shortener", `/${slug}`);
  expect(followed.status).toBe(301);
  expect(followed.headers.location).toBe("https://example.com/docs?a=1");
  expect((await platform.fetchWorker("url-shortener", "/nothere")).status).toBe(404);
  const refused = await platform.fetchWorker("url-shortener", "/", { method: "POST", headers: form, body: "url=javascript%3Aalert(1)" });
  expect(refused.status).toBe(400);
});

it("todo-list-kv: the HTML template module filled from KV; the page's PUT saves the list", async () => {
  expect(await deployAsReadmeSays("todo-list-kv")).toMatch(/^Deployed todos /);
  const first = await platform.fetchWorker("todos", "/", { headers: NAVIGATE });
  expect(first.headers["content-type"]).toBe("text/html;charset=UTF-8");
  expect(first.text).toContain('window.todos = [{"id":1,"name":"Finish the Cloudflare Workers blog post","completed":false}];');
  const todos = [{ id: 1, name: "</script><b>x</b>", completed: true }];
  // The list is kept per CF-Connecting-IP, which the platform sets to the client's address
  // whatever the client claims: a spoofed header neither picks another visitor's list nor splits this one's.
  const spoofed = { ...FETCH, "cf-connecting-ip": "203.0.113.9" };
  const saved = await platform.fetchWorker("todos", "/", { method: "PUT", headers: spoofed, body: JSON.stringify({ todos }) });
  expect(saved.status).toBe(200);
  // Another server process may read the key before the change notification reaches it (KV is
  // eventually consistent, on Cloudflare too): the page shows the saved list within a bound.
  const savedList = 'window.todos = [{"id":1,"name":"\\u003c/script>\\u003cb>x\\u003c/b>","completed":true}];';
  await waitUntil(async () => (await platform.fetchWorker("todos", "/")).text.includes(savedList), 5_000);
  expect(await platform.admin("GET", "/v1/kv/namespaces/todos/keys")).toMatchObject({ status: 200, body: { keys: [{ name: "data-127.0.0.1" }] } });
});

it("r2-explorer: the SPA loads on deep links; its fetch('/api/…') calls reach the worker and R2", async () => {
  expect(await deployAsReadmeSays("r2-explorer")).toMatch(/^Assets: 2 files, \d uploaded \(the rest unchanged\)\nDeployed r2-explorer /);
  const app = await platform.fetchWorker("r2-explorer", "/browse/photos", { headers: NAVIGATE });
  expect(app.status).toBe(200);
  expect(app.text).toContain('<script type="module" crossorigin src="/assets/index-Bq3xZ1.js"></script>');
  const script = await platform.fetchWorker("r2-explorer", "/assets/index-Bq3xZ1.js", { headers: { "sec-fetch-mode": "cors", "sec-fetch-dest": "script" } });
  expect(script.headers["content-type"]).toMatch(/^(text|application)\/javascript/);

  const upload = await platform.fetchWorker("r2-explorer", "/api/objects/photos%2Fcat.txt", {
    method: "PUT",
    headers: { ...FETCH, "content-type": "text/plain" },
    body: "meow",
  });
  expect(upload.status).toBe(201);
  expect(JSON.parse(upload.text)).toEqual({ key: "photos/cat.txt", size: 4 });
  await platform.fetchWorker("r2-explorer", "/api/objects/readme.md", { method: "PUT", headers: FETCH, body: "# files" });
  const root = await platform.fetchWorker("r2-explorer", "/api/objects", { headers: FETCH });
  expect(root.headers["content-type"]).toBe("application/json");
  expect(JSON.parse(root.text)).toEqual({ folders: ["photos/"], objects: [{ key: "readme.md", size: 7, type: "application/octet-stream" }] });
  const photos = await platform.fetchWorker("r2-explorer", "/api/objects?prefix=photos%2F", { headers: FETCH });
  expect(JSON.parse(photos.text)).toEqual({ folders: [], objects: [{ key: "photos/cat.txt", size: 4, type: "text/plain" }] });
  const download = await platform.fetchWorker("r2-explorer", "/api/objects/photos%2Fcat.txt", { headers: FETCH });
  expect([download.text, download.headers["content-type"]]).toEqual(["meow", "text/plain"]);
  // A missing object is the worker's JSON 404, not the app's index.html.
  const missing = await platform.fetchWorker("r2-explorer", "/api/objects/nope.txt", { headers: FETCH });
  expect([missing.status, missing.text]).toEqual([404, '{"error":"nope.txt not found"}']);
  expect((await platform.fetchWorker("r2-explorer", "/api/objects/readme.md", { method: "DELETE", headers: FETCH })).status).toBe(204);
  expect((await platform.fetchWorker("r2-explorer", "/api/objects/readme.md", { headers: FETCH })).status).toBe(404);
});

it("static-site: assets only, with _headers, _redirects, .assetsignore and a 404 page", async () => {
  expect(await deployAsReadmeSays("static-site")).toMatch(
    /^Assets: 5 files, \d uploaded \(the rest unchanged\)\nDeployed static-site \(assets only: the config has no main\)/,
  );
  const home = await platform.fetchWorker("static-site", "/", { headers: NAVIGATE });
  const file = (/** @type {string} */ path) => readFile(join(PROJECTS, "static-site/public", path), "utf8");
  expect([home.status, home.text]).toEqual([200, await file("index.html")]);
  expect(home.headers["x-frame-options"]).toBe("DENY");
  expect(home.headers["x-content-type-options"]).toBe("nosniff");
  expect((await platform.fetchWorker("static-site", "/about")).text).toContain("About us");
  const renamed = await platform.fetchWorker("static-site", "/about.html");
  expect([renamed.status, renamed.headers.location]).toEqual([307, "/about"]);
  const post = await platform.fetchWorker("static-site", "/blog/first-post");
  expect(post.text).toContain("First post");
  expect(post.headers["cache-control"]).toBe("public, max-age=600");

  const moved = await platform.fetchWorker("static-site", "/posts/first-post");
  expect([moved.status, moved.headers.location]).toEqual([301, "/blog/first-post"]);
  const docs = await platform.fetchWorker("static-site", "/docs/guide/intro");
  expect([docs.status, docs.headers.location]).toEqual([302, "https://docs.example.com/guide/intro"]);
  expect((await platform.fetchWorker("static-site", "/home")).headers.location).toBe("/");

  // The build's server bundle, routes file, notes and source maps were never uploaded.
  for (const path of ["/_worker.js/index.js", "/_routes.json", "/.git-notes/todo.txt", "/blog/app.js.map", "/_headers", "/_redirects", "/.assetsignore"]) {
    const response = await platform.fetchWorker("static-site", path);
    expect([path, response.status, response.text]).toEqual([path, 404, await file("404.html")]);
  }
});

it("staging-env: `deploy --env staging`, `secret put --env staging`, then `deploy`: two workers, each with its own vars, KV and secrets", async () => {
  expect(await readmeSteps("staging-env")).toEqual([["deploy", "--env", "staging"], ["deploy"]]);
  expect(await deployAsReadmeSays("staging-env", 0)).toMatch(/^Deployed greeter-staging /);
  const greet = async (/** @type {string} */ worker) => JSON.parse((await platform.fetchWorker(worker, "/")).text);
  expect(await greet("greeter-staging")).toEqual({ greeting: "Hello from staging", visits: 1, token: null });
  // `wrangler secret put NAME --env staging`: the worker is the config's, in that environment.
  const [secretPut] = await readmeSteps("staging-env", "secret");
  expect(secretPut).toEqual(["secret", "put", "API_TOKEN", "--env", "staging"]);
  expect(await outpost("staging-env", secretPut ?? [], "s3cret\n")).toEqual({
    code: 0,
    stdout: "Secret API_TOKEN set on greeter-staging; its next request sees it\n",
    stderr: "",
  });
  expect(await greet("greeter-staging")).toEqual({ greeting: "Hello from staging", visits: 2, token: "s3cret" });
  expect((await platform.fetchWorker("greeter", "/")).status).toBe(404);

  expect(await deployAsReadmeSays("staging-env", 1)).toMatch(/^Deployed greeter /);
  expect(await greet("greeter")).toEqual({ greeting: "Hello from production", visits: 1, token: null });
  expect(await greet("greeter-staging")).toEqual({ greeting: "Hello from staging", visits: 3, token: "s3cret" });
  expect(await outpost("staging-env", ["secret", "list"])).toEqual({ code: 0, stdout: "", stderr: "" });
  expect((await outpost("staging-env", ["secret", "list", "-e", "staging"])).stdout).toMatch(/^API_TOKEN\t/);
});
