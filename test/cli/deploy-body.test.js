// `outpost deploy`: from a project directory (or an entry file) and the command-line flags to the
// body sent to PUT /v1/workers/:name. Nothing here reaches an admin API.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { deployBody } from "../../cli/deploy.js";
import { HELLO, removeTempProjects, tempProject } from "./temp-project.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/ts-project", import.meta.url));
const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

afterAll(removeTempProjects);

/** @param {import("../../cli/deploy.js").DeployOptions} options */
async function refusal(options) {
  try {
    await deployBody(options);
  } catch (error) {
    return /** @type {Error} */ (error).message;
  }
  throw new Error("the deploy body was built");
}

/**
 * Runs the real CLI against an admin URL where nothing listens, so a run that gets as far as
 * sending says "cannot reach", and one refused earlier says why.
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<{ code: number, stderr: string }>}
 */
function runCli(args, cwd) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, OUTPOST_ADMIN_URL: "http://127.0.0.1:9", OUTPOST_ADMIN_TOKEN: "unused" } },
      (error, _stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stderr }),
    );
  });
}

describe("from a project directory", () => {
  it("deployBody: the fixture's wrangler.toml and bundle", async () => {
    const { name, body } = await deployBody({ target: FIXTURE });
    expect(name).toBe("ts-project");
    expect(body).toEqual({
      mainModule: "index.js",
      modules: [
        { name: "index.js", type: "esm", content: expect.any(String) },
        { name: expect.stringMatching(/-message\.txt$/), type: "text", content: "Hello from a text module\n" },
        { name: expect.stringMatching(/-bytes\.bin$/), type: "data", content: "AAEC/v8=" },
        { name: expect.stringMatching(/-add\.wasm$/), type: "wasm", content: expect.any(String) },
      ],
      compatibilityDate: "2026-04-01",
      compatibilityFlags: [],
      vars: { GREETING: "Hello", LIMITS: { max: 3 } },
      kv: { STORE: "ts-project-store" },
      observability: { enabled: true },
    });
    // Older servers refuse unknown fields: routes and services are absent unless configured.
    expect(Object.keys(body)).not.toContain("routes");
    expect(Object.keys(body)).not.toContain("services");
  });

  it("deployBody: the config file itself may be named", async () => {
    const fromDir = await deployBody({ target: FIXTURE });
    expect(await deployBody({ target: `${FIXTURE}/wrangler.toml` })).toEqual(fromDir);
  });

  it("deployBody: command-line flags override the config's name, date and bindings, and add flags", async () => {
    const { name, body } = await deployBody({
      target: FIXTURE,
      name: "renamed",
      vars: ["GREETING=Bonjour", "EXTRA=1", "STORE=now a var"],
      kv: ["LIMITS=limits-ns", "CACHE"],
      compatibilityDate: "2026-03-01",
      compatibilityFlags: ["nodejs_compat"],
      tenant: "acme",
    });
    expect(name).toBe("renamed");
    expect(body).toMatchObject({
      compatibilityDate: "2026-03-01",
      compatibilityFlags: ["nodejs_compat"],
      vars: { GREETING: "Bonjour", EXTRA: "1", STORE: "now a var" },
      kv: { LIMITS: "limits-ns", CACHE: "CACHE" },
      tenant: "acme",
    });
  });

  it("deployBody: compatibility flags from the command line are added to the config's, once", async () => {
    const dir = await tempProject({
      "wrangler.toml": `name = "w"\nmain = "index.js"\ncompatibility_flags = ["nodejs_compat", "global_fetch_strictly_public"]`,
      "index.js": HELLO,
    });
    const { body } = await deployBody({ target: dir, compatibilityFlags: ["nodejs_compat", "streams_enable_constructors"] });
    expect(body.compatibilityFlags).toEqual(["nodejs_compat", "global_fetch_strictly_public", "streams_enable_constructors"]);
    expect(Object.keys(body)).not.toContain("compatibilityDate");
  });

  it("deployBody: routes and service bindings are sent when the config has them", async () => {
    const dir = await tempProject({
      "wrangler.jsonc": `{
        "name": "api",
        "main": "src/index.ts",
        // Cloudflare route patterns; a custom domain takes the whole host
        "routes": ["example.com/api/*", { "pattern": "api.example.com", "custom_domain": true }],
        "services": [
          { "binding": "AUTH", "service": "auth" },
          { "binding": "BILLING", "service": "billing", "entrypoint": "Billing" },
        ],
      }`,
      "src/index.ts": `export default { fetch(_request: Request, env: { AUTH: Fetcher }) { return env.AUTH.fetch("http://auth/"); } };\n`,
    });
    const { name, body } = await deployBody({ target: dir });
    expect(name).toBe("api");
    expect(body.routes).toEqual(["example.com/api/*", "api.example.com/*"]);
    expect(body.services).toEqual({ AUTH: { service: "auth" }, BILLING: { service: "billing", entrypoint: "Billing" } });
    // A binding given on the command line replaces a service binding of that name.
    expect((await deployBody({ target: dir, vars: ["AUTH=off"] })).body.services).toEqual({ BILLING: { service: "billing", entrypoint: "Billing" } });
  });

  it("deployBody: D1 databases are sent by name, with database_id when the config has one", async () => {
    const dir = await tempProject({
      "wrangler.toml": `name = "w"\nmain = "index.js"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "main"\ndatabase_id = "abc-123"\nmigrations_dir = "sql"\n[[d1_databases]]\nbinding = "LOGS"`,
      "index.js": HELLO,
    });
    const { body } = await deployBody({ target: dir });
    expect(body.d1).toEqual({ DB: { databaseName: "main", databaseId: "abc-123" }, LOGS: { databaseName: "LOGS" } });
    expect(Object.keys((await deployBody({ target: dir, vars: ["DB=off", "LOGS=off"] })).body)).not.toContain("d1");
  });

  it("deployBody: [limits] cpu_ms is sent as limits.cpuMs; --cpu-ms overrides it", async () => {
    const dir = await tempProject({ "wrangler.toml": `name = "w"\nmain = "index.js"\n[limits]\ncpu_ms = 50\n`, "index.js": HELLO });
    expect((await deployBody({ target: dir })).body.limits).toEqual({ cpuMs: 50 });
    expect((await deployBody({ target: dir, cpuMs: 200 })).body.limits).toEqual({ cpuMs: 200 });
    const elsewhere = await tempProject({ "index.js": HELLO });
    expect((await deployBody({ target: `${elsewhere}/index.js`, name: "w" })).body).not.toHaveProperty("limits");
  });

  it("deployBody: a config without a name needs --name; one without main is refused", async () => {
    const dir = await tempProject({ "wrangler.toml": `main = "index.js"`, "index.js": HELLO });
    expect(await refusal({ target: dir })).toBe('wrangler.toml has no name: add name = "my-worker" or pass --name NAME');
    expect((await deployBody({ target: dir, name: "named" })).name).toBe("named");
    const noMain = await tempProject({ "wrangler.toml": `name = "w"` });
    expect(await refusal({ target: noMain })).toBe(`wrangler.toml: main is missing: set it to the worker's entry file, e.g. main = "src/index.ts"`);
  });

  it("deployBody: an assets-only project may not name an assets binding, as in wrangler", async () => {
    const dir = await tempProject({ "wrangler.toml": `name = "w"\nassets = { directory = "public", binding = "ASSETS" }`, "public/a.txt": "a" });
    expect(await refusal({ target: dir })).toBe(
      'wrangler.toml: cannot use assets with a binding in an assets-only Worker. Remove assets.binding, or set main to the worker\'s entry file (e.g. main = "src/index.ts").',
    );
  });

  it("deployBody: unsupported bindings are refused before anything is bundled", async () => {
    const dir = await tempProject({
      "wrangler.toml": `name = "w"\nmain = "missing.ts"\n[[hyperdrive]]\nbinding = "DB"\nid = "d"`,
    });
    expect(await refusal({ target: dir })).toBe(
      "wrangler.toml uses bindings Outpost does not implement yet: hyperdrive (DB). Remove them or deploy without them.",
    );
  });

  it("deployBody: a directory without a config file, and a target that does not exist", async () => {
    const dir = await tempProject({ "index.js": HELLO });
    expect(await refusal({ target: dir })).toBe(
      `${dir} has no wrangler.json, wrangler.jsonc, wrangler.toml: add one, or deploy an entry file with outpost deploy <entry> --name NAME`,
    );
    expect(await refusal({ target: `${dir}/nope` })).toBe(`${dir}/nope does not exist`);
  });
});

describe("from an entry file", () => {
  it("deployBody: an entry file deploys with the flags alone, as before", async () => {
    const dir = await tempProject({
      "worker.ts": `export default { fetch(): Response { return new Response("hi"); } };\n`,
      "wrangler.toml": `name = "ignored"`,
    });
    const { name, body } = await deployBody({ target: `${dir}/worker.ts`, name: "solo", kv: ["COUNTS"], vars: ["A=b=c"] });
    expect(name).toBe("solo");
    expect(body).toEqual({
      mainModule: "worker.js",
      modules: [{ name: "worker.js", type: "esm", content: expect.stringContaining('new Response("hi")') }],
      compatibilityFlags: [],
      vars: { A: "b=c" },
      kv: { COUNTS: "COUNTS" },
    });
  });

  it("deployBody: an entry file needs --name; --var needs a value", async () => {
    const dir = await tempProject({ "worker.js": HELLO });
    expect(await refusal({ target: `${dir}/worker.js` })).toBe("deploying an entry file needs --name NAME (see outpost --help)");
    expect(await refusal({ target: `${dir}/worker.js`, name: "w", vars: ["NOVALUE"] })).toBe('--var expects KEY=VALUE (or KEY:VALUE), got "NOVALUE"');
  });

  it("deployBody: --var KEY:VALUE, wrangler's form, as KEY=VALUE; the first separator splits", async () => {
    const dir = await tempProject({ "worker.js": HELLO });
    const { body } = await deployBody({ target: `${dir}/worker.js`, name: "w", vars: ["URL:https://a.test/?x=1", "B=c:d"] });
    expect(body.vars).toEqual({ URL: "https://a.test/?x=1", B: "c:d" });
  });
});

describe("the outpost command", () => {
  it("outpost deploy: with no argument, the current directory's project is bundled and sent", async () => {
    const dir = await tempProject({ "wrangler.toml": `name = "here"\nmain = "index.js"`, "index.js": HELLO });
    const { code, stderr } = await runCli(["deploy"], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^outpost: cannot reach the admin API at http:\/\/127\.0\.0\.1:9 /);
  });

  it("outpost deploy: a refused config is reported before anything is sent", async () => {
    const { code, stderr } = await runCli(
      ["deploy", "project", "--name", "w"],
      await tempProject({ "project/wrangler.toml": `[[hyperdrive]]\nbinding = "DB"\nid = "d"` }),
    );
    expect(code).toBe(1);
    expect(stderr).toBe("outpost: wrangler.toml uses bindings Outpost does not implement yet: hyperdrive (DB). Remove them or deploy without them.\n");
  });

  it("outpost deploy: wrangler's --keep-vars and --compatibility-flags are taken; an unknown option says where the options are", async () => {
    const dir = await tempProject({ "wrangler.toml": `name = "here"\nmain = "index.js"`, "index.js": HELLO });
    const taken = await runCli(["deploy", "--keep-vars", "--upload-source-maps", "--compatibility-flags", "nodejs_compat", "--dry-run"], dir);
    expect(taken).toEqual({ code: 0, stderr: "" });
    const unknown = await runCli(["deploy", "--no-such-flag"], dir);
    expect(unknown).toEqual({ code: 1, stderr: "outpost: outpost deploy has no option --no-such-flag: see outpost --help for its options\n" });
  });
});
