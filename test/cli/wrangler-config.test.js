// Reading wrangler.toml / wrangler.json(c): what is read, what is refused, and the exact messages.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  applyEnvironment,
  findWranglerConfig,
  loadWranglerConfig,
  parseConfigText,
  redirectedConfig,
  validateWranglerConfig,
} from "../../cli/wrangler-config.js";
import { HELLO, removeTempProjects, tempProject } from "./temp-project.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/ts-project", import.meta.url));

afterAll(removeTempProjects);

/**
 * The settings a config text gives, as if it were /project/<file>.
 * @param {string} text
 * @param {string} [file]
 */
function read(text, file = "wrangler.toml") {
  return validateWranglerConfig(parseConfigText(text, file), `/project/${file}`);
}

/** @param {string} text @param {string} [file] */
function refusal(text, file = "wrangler.toml") {
  try {
    read(text, file);
  } catch (error) {
    return /** @type {Error} */ (error).message;
  }
  throw new Error("the config was accepted");
}

describe("what is read", () => {
  it("config: the fixture's wrangler.toml", () => {
    const path = `${FIXTURE}/wrangler.toml`;
    expect(loadWranglerConfig(path)).toEqual({
      path,
      name: "ts-project",
      main: `${FIXTURE}/src/index.ts`,
      compatibilityDate: "2026-04-01",
      compatibilityFlags: [],
      vars: { GREETING: "Hello", LIMITS: { max: 3 } },
      kv: { STORE: "ts-project-store" },
      routes: [],
      services: {},
      r2: {},
      d1: {},
      vaults: [],
      secretsStore: {},
      observability: true,
      bundle: { rules: [], exclude: [path], esbuild: {} },
      warnings: [],
      keys: {
        compatibilityDate: "compatibility_date",
        compatibilityFlags: "compatibility_flags",
        routes: "routes",
        "vars.GREETING": "vars.GREETING",
        "vars.LIMITS": "vars.LIMITS",
        "kv.STORE": "kv_namespaces[0].id",
      },
    });
  });

  it("config: main, base_dir, tsconfig and alias targets are relative to the config file", () => {
    const config = read(`
      main = "src/index.ts"
      base_dir = "src"
      tsconfig = "tsconfig.worker.json"
      alias = { "node-fetch" = "./shims/fetch.js", "lodash" = "lodash-es" }
    `);
    expect(config.main).toBe("/project/src/index.ts");
    expect(config.bundle.baseDir).toBe("/project/src");
    expect(config.bundle.esbuild).toEqual({
      tsconfig: "/project/tsconfig.worker.json",
      alias: { "node-fetch": "/project/shims/fetch.js", lodash: "lodash-es" },
    });
  });

  it("config: vars keep JSON values; TOML dates become strings", () => {
    const config = read(`
      [vars]
      TEXT = "hi"
      NUMBER = 3
      FLAG = false
      LIST = [1, "two"]
      NESTED = { a = { b = [true] } }
      WHEN = 2026-01-02T03:04:05Z
    `);
    expect(config.vars).toEqual({
      TEXT: "hi",
      NUMBER: 3,
      FLAG: false,
      LIST: [1, "two"],
      NESTED: { a: { b: [true] } },
      WHEN: "2026-01-02T03:04:05.000Z",
    });
    expect(Object.getPrototypeOf(config.vars.NESTED)).toBe(Object.prototype);
  });

  it("config: a KV namespace is named by its id, or by its binding without one; preview_id is ignored", () => {
    const config = read(`
      kv_namespaces = [
        { binding = "CACHE", id = "0f2ac74b498b48028cb68387c421e279", preview_id = "preview" },
        { binding = "SESSIONS" },
      ]
    `);
    expect(config.kv).toEqual({ CACHE: "0f2ac74b498b48028cb68387c421e279", SESSIONS: "SESSIONS" });
  });

  it("config: routes as strings and tables; a custom domain takes every path of its host", () => {
    const config = read(`
      routes = [
        "example.com/api/*",
        { pattern = "shop.example.com/*", zone_name = "example.com" },
        { pattern = "*.example.org/x", zone_id = "abc" },
        { pattern = "app.example.com", custom_domain = true },
      ]
    `);
    expect(config.routes).toEqual(["example.com/api/*", "shop.example.com/*", "*.example.org/x", "app.example.com/*"]);
    expect(read(`route = "example.com/*"`).routes).toEqual(["example.com/*"]);
    expect(read(`route = { pattern = "example.net/*", zone_name = "example.net" }`).routes).toEqual(["example.net/*"]);
  });

  it("config: services with and without an entrypoint", () => {
    const config = read(`
      [[services]]
      binding = "AUTH"
      service = "auth-worker"

      [[services]]
      binding = "BILLING"
      service = "billing"
      entrypoint = "BillingApi"
    `);
    expect(config.services).toEqual({ AUTH: { service: "auth-worker" }, BILLING: { service: "billing", entrypoint: "BillingApi" } });
  });

  it("config: R2 buckets by bucket_name", () => {
    const config = read(`
      [[r2_buckets]]
      binding = "FILES"
      bucket_name = "user-files"
      preview_bucket_name = "ignored"
    `);
    expect(config.r2).toEqual({ FILES: "user-files" });
    expect(refusal(`[[r2_buckets]]\nbinding = "X"`)).toBe("wrangler.toml: r2_buckets[0].bucket_name is missing");
  });

  it("config: D1 databases by database_name, database_id kept, migrations_dir resolved", () => {
    const config = read(`
      [[d1_databases]]
      binding = "DB"
      database_name = "prod-db"
      database_id = "6f0c4a52-1b1e-4c61-9f43-7b2f1c7b3a10"
      preview_database_id = "ignored"
      migrations_dir = "db/migrations"

      [[d1_databases]]
      binding = "CACHE"
    `);
    expect(config.d1).toEqual({
      DB: { databaseName: "prod-db", databaseId: "6f0c4a52-1b1e-4c61-9f43-7b2f1c7b3a10", migrationsDir: "/project/db/migrations" },
      CACHE: { databaseName: "CACHE", migrationsDir: "/project/migrations" },
    });
    expect(refusal(`[[d1_databases]]\ndatabase_name = "x"`)).toMatch(/^wrangler\.toml: d1_databases\[0\]\.binding /);
  });

  it("config: vaults and Secrets Store secrets (store_id ignored)", () => {
    const config = read(`
      [[vaults]]
      binding = "VAULT"

      [[secrets_store_secrets]]
      binding = "API_KEY"
      store_id = "abc123"
      secret_name = "stripe-key"
    `);
    expect(config.vaults).toEqual(["VAULT"]);
    expect(config.secretsStore).toEqual({ API_KEY: { secret: "stripe-key" } });
    expect(refusal(`[[secrets_store_secrets]]\nbinding = "X"`)).toBe("wrangler.toml: secrets_store_secrets[0].secret_name is missing");
  });

  it("config: module rules and bundling fields", () => {
    const config = read(`
      main = "index.js"
      find_additional_modules = true
      preserve_file_names = true
      minify = true
      keep_names = false
      jsx_factory = "h"
      jsx_fragment = "Fragment"
      define = { "process.env.MODE" = '"production"' }

      [[rules]]
      type = "ESModule"
      globs = ["**/*.js"]

      [[rules]]
      type = "Text"
      globs = ["**/*.md"]
      fallthrough = true
    `);
    expect(config.bundle).toEqual({
      rules: [
        { type: "ESModule", globs: ["**/*.js"] },
        { type: "Text", globs: ["**/*.md"], fallthrough: true },
      ],
      exclude: ["/project/wrangler.toml"],
      findAdditionalModules: true,
      preserveFileNames: true,
      esbuild: { define: { "process.env.MODE": '"production"' }, minify: true, keepNames: false, jsxFactory: "h", jsxFragment: "Fragment" },
    });
  });

  it("config: fields about the Cloudflare account, environments and logs are ignored", () => {
    const config = read(`
      name = "w"
      account_id = "abc"
      workers_dev = true
      preview_urls = false
      keep_vars = true
      logpush = true
      upload_source_maps = true
      no_bundle = false
      node_compat = false
      minify = false
      tail_consumers = [{ service = "tail" }]
      placement = { mode = "smart" }
      observability = { enabled = true }
      build = { command = "npm run build" }
      [env.production]
      name = "w-production"
      r2_buckets = [{ binding = "B", bucket_name = "b" }]
    `);
    expect(config.name).toBe("w");
  });

  it("config: [limits] cpu_ms is read; other limits are not, a fractional cpu_ms is refused", () => {
    expect(read(`name = "w"\n[limits]\ncpu_ms = 50\nsubrequests = 10`).cpuMs).toBe(50);
    expect(read(`name = "w"`)).not.toHaveProperty("cpuMs");
    expect(refusal(`[limits]\ncpu_ms = 1.5`)).toBe("wrangler.toml: limits.cpu_ms must be a whole number of milliseconds");
    expect(refusal(`limits = 5`)).toBe("wrangler.toml: limits must be a table");
  });

  it("config: [observability] enabled (or [observability.logs] enabled) turns the worker's logs on", () => {
    expect(read(`name = "w"\n[observability]\nenabled = true\nhead_sampling_rate = 1`).observability).toBe(true);
    expect(read(`name = "w"\n[observability.logs]\nenabled = true`).observability).toBe(true);
    expect(read(`name = "w"\n[observability]\nenabled = false`)).not.toHaveProperty("observability");
    expect(read(`name = "w"`)).not.toHaveProperty("observability");
    expect(refusal(`[observability]\nenabled = "yes"`)).toBe("wrangler.toml: observability.enabled must be true or false");
  });

  it("config: [observability] head_sampling_rate (or [observability.logs]) is the share of invocations logged, 0 to 1", () => {
    expect(read(`name = "w"\n[observability]\nenabled = true\nhead_sampling_rate = 0.1`).headSamplingRate).toBe(0.1);
    expect(read(`name = "w"\n[observability.logs]\nenabled = true\nhead_sampling_rate = 0`).headSamplingRate).toBe(0);
    expect(read(`name = "w"\n[observability]\nenabled = true`)).not.toHaveProperty("headSamplingRate");
    expect(read(`name = "w"\n[observability]\nenabled = false\nhead_sampling_rate = 0.5`)).not.toHaveProperty("headSamplingRate");
    expect(refusal(`[observability]\nenabled = true\nhead_sampling_rate = 2`)).toBe(
      "wrangler.toml: observability.head_sampling_rate must be a number from 0 to 1",
    );
    expect(refusal(`[observability.logs]\nhead_sampling_rate = "all"`)).toBe(
      "wrangler.toml: observability.logs.head_sampling_rate must be a number from 0 to 1",
    );
  });

  it("config: empty binding sections declare nothing and are accepted", () => {
    expect(() => read(`r2_buckets = []\ntriggers = { crons = [] }\nqueues = {}`)).not.toThrow();
  });

  it("config: wrangler.jsonc with comments and trailing commas", () => {
    const config = read(
      `{
        // the worker
        "name": "json-worker", /* inline */
        "main": "src/index.ts",
        "vars": { "URL": "https://example.com/a//b" },
        "kv_namespaces": [{ "binding": "KV", "id": "kv-1" },],
        "compatibility_flags": ["nodejs_compat",],
      }`,
      "wrangler.jsonc",
    );
    expect(config).toMatchObject({
      name: "json-worker",
      main: "/project/src/index.ts",
      vars: { URL: "https://example.com/a//b" },
      kv: { KV: "kv-1" },
      compatibilityFlags: ["nodejs_compat"],
    });
  });

  it("config: a 5 MB wrangler.jsonc with comments and trailing commas is read whole", () => {
    // Comment stripping was quadratic (a 1 MB file took about a minute); the parser is one pass.
    const entries = Array.from(
      { length: 50_000 },
      (_, i) => `    /* var ${i} */ "V${i}": { "url": "https://example.com/a//b/${i}", "list": [1, 2, 3,], }, // ${i}`,
    );
    const text = `{\n  "name": "big",\n  "vars": {\n${entries.join("\n")}\n  },\n}\n`;
    expect(text.length).toBeGreaterThan(5_000_000);
    const { vars } = read(text, "wrangler.jsonc");
    expect(Object.keys(vars)).toHaveLength(50_000);
    expect(vars.V49999).toEqual({ url: "https://example.com/a//b/49999", list: [1, 2, 3] });
  });

  it("config: a directory's wrangler.json wins over its wrangler.toml, as in wrangler", async () => {
    const dir = await tempProject({ "wrangler.toml": `name = "toml"`, "wrangler.json": `{ "name": "json" }`, "index.js": HELLO });
    expect(findWranglerConfig(dir)).toBe(`${dir}/wrangler.json`);
    expect(findWranglerConfig(`${dir}/nowhere`)).toBeUndefined();
  });
});

describe("fields Outpost does not know", () => {
  it("config: unknown fields are ignored with a warning, not refused (each wrangler release adds some)", () => {
    expect(read(`name = "w"\nmian = "index.js"\nagent_memory = [{ binding = "M" }]\nexports = { a = 1 }`).warnings).toEqual([
      "wrangler.toml has fields Outpost does not read: mian, agent_memory, exports. Check their spelling; they are ignored.",
    ]);
  });

  it("config: unknown fields left empty (as the Cloudflare Vite plugin writes them) earn no warning", () => {
    expect(read(`name = "w"\nmain = "index.js"\nagent_memory = []\nexports = {}\nk2 = {}`).warnings).toEqual([]);
  });

  it("config: wrangler's bookkeeping in a generated config passes in silence", () => {
    const generated = `{ "name": "w", "configPath": "../../wrangler.jsonc", "userConfigPath": "../../wrangler.jsonc",
      "topLevelName": "w", "definedEnvironments": ["staging"], "targetEnvironment": "staging" }`;
    expect(read(generated, "wrangler.json").warnings).toEqual([]);
  });

  it("config: a binding Outpost does not implement is still refused among unknown fields", () => {
    expect(refusal(`name = "w"\nnew_thing = 1\n[[hyperdrive]]\nbinding = "DB"\nid = "x"`)).toBe(
      "wrangler.toml uses bindings Outpost does not implement yet: hyperdrive (DB). Remove them or deploy without them.",
    );
  });
});

describe("[env.NAME] sections", () => {
  const TOML = `
    name = "app"
    main = "src/index.ts"
    compatibility_date = "2024-01-01"
    routes = ["app.example/*"]
    minify = true
    [vars]
    MODE = "top"
    [define]
    DEBUG = "true"
    [[kv_namespaces]]
    binding = "CACHE"
    id = "top-cache"
    [env.staging]
    routes = ["staging.app.example/*"]
    [env.staging.vars]
    MODE = "staging"
    [env.named]
    name = "app-two"
    vars = { MODE = "named" }
    kv_namespaces = []
    define = {}
  `;
  /** @param {string} env */
  const merged = (env) => applyEnvironment(parseConfigText(TOML, "wrangler.toml"), env, "wrangler.toml");

  it("env: the section's fields win, the rest is inherited, bindings and define are not; the name gets -ENV", () => {
    const { config, warnings } = merged("staging");
    const settings = validateWranglerConfig(config, "/project/wrangler.toml");
    expect(settings).toMatchObject({
      name: "app-staging",
      main: "/project/src/index.ts",
      compatibilityDate: "2024-01-01",
      routes: ["staging.app.example/*"],
      vars: { MODE: "staging" },
      kv: {},
      bundle: { esbuild: { minify: true } },
    });
    expect(settings.bundle.esbuild?.define).toBeUndefined();
    expect(warnings).toEqual([
      '"define" exists at the top level of wrangler.toml, but not on "env.staging": it is not inherited by environments. Add "define" to "env.staging".',
      '"kv_namespaces" exists at the top level of wrangler.toml, but not on "env.staging": it is not inherited by environments. Add "kv_namespaces" to "env.staging".',
    ]);
  });

  it("env: a section that names the worker keeps that name; empty bindings silence the warnings", () => {
    const { config, warnings } = merged("named");
    expect(validateWranglerConfig(config, "/project/wrangler.toml").name).toBe("app-two");
    expect(warnings).toEqual([]);
  });

  it("env: an environment the file lacks is refused when it has others, a warning when it has none", () => {
    expect(() => merged("prod")).toThrow(
      'No environment found in configuration with name "prod". Add an [env.prod] section to wrangler.toml; its environments are staging, named.',
    );
    expect(applyEnvironment({ name: "solo" }, "prod", "wrangler.toml")).toEqual({
      config: { name: "solo" },
      warnings: ['No environment found in configuration with name "prod". Add an [env.prod] section to wrangler.toml; deploying the top-level settings.'],
    });
  });

  it("env: errors in a merged section say which environment", async () => {
    const dir = await tempProject({ "wrangler.toml": `name = "w"\n[env.dev]\nvars = []\n` });
    expect(() => loadWranglerConfig(`${dir}/wrangler.toml`, "dev")).toThrow("wrangler.toml (env.dev): vars must be a table");
  });
});

describe("a build tool's generated config (.wrangler/deploy/config.json)", () => {
  it("redirect: the generated config is used instead of the project's", async () => {
    const dir = await tempProject({
      "wrangler.jsonc": "{}",
      ".wrangler/deploy/config.json": '{ "configPath": "../../dist/w/wrangler.json" }',
      "dist/w/wrangler.json": "{}",
    });
    expect(redirectedConfig(dir, `${dir}/wrangler.jsonc`)).toBe(`${dir}/dist/w/wrangler.json`);
    expect(redirectedConfig(`${dir}/dist`, undefined)).toBe(`${dir}/dist/w/wrangler.json`);
  });

  it("redirect: a generated config is read as built; --env must be the environment it was built for", async () => {
    const dir = await tempProject({ "wrangler.json": '{ "name": "w-staging", "targetEnvironment": "staging", "env": { "staging": { "name": "x" } } }' });
    expect(loadWranglerConfig(`${dir}/wrangler.json`, "staging", true).name).toBe("w-staging");
    expect(() => loadWranglerConfig(`${dir}/wrangler.json`, "prod", true)).toThrow(
      `--env prod does not match the environment ${dir}/wrangler.json was built for (staging): build the project again for prod`,
    );
  });

  it("redirect: without one, the project's config; a pointer to nothing is refused", async () => {
    const plain = await tempProject({ "wrangler.toml": "" });
    expect(redirectedConfig(plain, `${plain}/wrangler.toml`)).toBe(`${plain}/wrangler.toml`);
    const stale = await tempProject({ ".wrangler/deploy/config.json": '{ "configPath": "../../dist/gone.json" }' });
    expect(() => redirectedConfig(stale, undefined)).toThrow(
      `${stale}/.wrangler/deploy/config.json points to ${stale}/dist/gone.json, which does not exist: build the project first`,
    );
    const empty = await tempProject({ ".wrangler/deploy/config.json": "{}" });
    expect(() => redirectedConfig(empty, undefined)).toThrow(`${empty}/.wrangler/deploy/config.json has no "configPath"`);
  });
});

describe("what is refused", () => {
  it("config: bindings Outpost does not implement are refused, each named", () => {
    expect(
      refusal(`
        name = "w"
        [[hyperdrive]]
        binding = "DB"
        id = "d"

        [[workflows]]
        binding = "FLOW"
        name = "flow"
        class_name = "Flow"
      `),
    ).toBe("wrangler.toml uses bindings Outpost does not implement yet: hyperdrive (DB), workflows (FLOW). Remove them or deploy without them.");
  });

  it("config: every other Cloudflare binding type is refused in one message", () => {
    expect(
      refusal(`
        [durable_objects]
        bindings = [{ name = "COUNTER", class_name = "Counter" }]

        [[hyperdrive]]
        binding = "PG"
        id = "h"

        [ai]
        binding = "AI"

        [[vectorize]]
        binding = "VECTORS"
        index_name = "v"

        [[analytics_engine_datasets]]
        binding = "EVENTS"

        [browser]
        binding = "BROWSER"

        [[mtls_certificates]]
        binding = "CERT"
        certificate_id = "c"

        [[send_email]]
        name = "MAIL"

        [[dispatch_namespaces]]
        binding = "DISPATCHER"
        namespace = "n"

        [[workflows]]
        binding = "FLOW"
        name = "flow"
        class_name = "Flow"

        [version_metadata]
        binding = "VERSION"

        [[unsafe.bindings]]
        name = "RATE"
        type = "ratelimit"

        [wasm_modules]
        LEGACY = "legacy.wasm"
      `),
    ).toBe(
      "wrangler.toml uses bindings Outpost does not implement yet: " +
        "durable_objects.bindings (COUNTER), hyperdrive (PG), ai (AI), vectorize (VECTORS), " +
        "analytics_engine_datasets (EVENTS), browser (BROWSER), mtls_certificates (CERT), send_email (MAIL), dispatch_namespaces (DISPATCHER), " +
        "workflows (FLOW), version_metadata (VERSION), unsafe.bindings (RATE), wasm_modules (LEGACY). " +
        "Remove them or deploy without them.",
    );
  });

  it("config: a binding section without names is still named", () => {
    expect(refusal(`[site]\nbucket = "./public"\n[unsafe]\nmetadata = { a = 1 }`)).toBe(
      "wrangler.toml uses bindings Outpost does not implement yet: site, unsafe. Remove them or deploy without them. " +
        'For [site], serve the files as static assets instead, as Cloudflare recommends: [assets] directory = "./public" (the worker no longer needs __STATIC_CONTENT).',
    );
  });

  it.each([
    [`name = 1`, "wrangler.toml: name must be a string"],
    [`main = ["src/index.ts"]`, "wrangler.toml: main must be a string"],
    [`compatibility_date = 2026-04-01`, 'wrangler.toml: compatibility_date must be a string: put the date in quotes, "2026-04-01"'],
    [`compatibility_flags = "nodejs_compat"`, "wrangler.toml: compatibility_flags must be an array"],
    [`compatibility_flags = ["nodejs_compat", 2]`, "wrangler.toml: compatibility_flags[1] must be a string"],
    [`vars = "GREETING=hi"`, "wrangler.toml: vars must be a table"],
    [`kv_namespaces = { binding = "KV" }`, "wrangler.toml: kv_namespaces must be an array"],
    [`kv_namespaces = ["KV"]`, "wrangler.toml: kv_namespaces[0] must be a table"],
    [`kv_namespaces = [{ binding = 1, id = "x" }]`, "wrangler.toml: kv_namespaces[0].binding must be a string"],
    [`kv_namespaces = [{ binding = "A" }, { id = "x" }]`, "wrangler.toml: kv_namespaces[1].binding is missing"],
    [`kv_namespaces = [{ binding = "A", id = 7 }]`, "wrangler.toml: kv_namespaces[0].id must be a string"],
    [`routes = [1]`, "wrangler.toml: routes[0] must be a string or a table with a pattern"],
    [`routes = [{ zone_name = "example.com" }]`, "wrangler.toml: routes[0].pattern is missing"],
    [`routes = [{ pattern = "a.com", custom_domain = "yes" }]`, "wrangler.toml: routes[0].custom_domain must be true or false"],
    [
      `routes = [{ pattern = "a.com/api/*", custom_domain = true }]`,
      'wrangler.toml: routes[0].pattern must be a hostname without a path or "*" when custom_domain is true',
    ],
    [`route = "a.com/*"\nroutes = ["b.com/*"]`, "wrangler.toml: use either route or routes, not both"],
    [`services = [{ binding = "AUTH" }]`, "wrangler.toml: services[0].service is missing"],
    [`services = [{ binding = "AUTH", service = "auth", entrypoint = 1 }]`, "wrangler.toml: services[0].entrypoint must be a string"],
    [
      `rules = [{ type = "Wasm", globs = ["**/*.wasm"] }]`,
      'wrangler.toml: rules[0].type must be one of "ESModule", "CommonJS", "Text", "Data", "CompiledWasm"',
    ],
    [`rules = [{ type = "Text", globs = "**/*.md" }]`, "wrangler.toml: rules[0].globs must be an array"],
    [`rules = [{ type = "Text", globs = ["**/*.md"], fallthrough = 1 }]`, "wrangler.toml: rules[0].fallthrough must be true or false"],
    [`find_additional_modules = "yes"`, "wrangler.toml: find_additional_modules must be true or false"],
    [`define = { DEBUG = true }`, "wrangler.toml: define.DEBUG must be a string"],
  ])("config: type error %s", (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it("config: binding names are identifiers, never __proto__, constructor or prototype (they would vanish from env)", () => {
    const reserved = (/** @type {string} */ where, /** @type {string} */ name) =>
      `wrangler.toml: ${where} cannot be ${name}: __proto__, constructor, prototype and __outpost… are reserved`;
    expect(refusal('[vars]\n__proto__ = "x"\n')).toBe(reserved("vars.__proto__", "__proto__"));
    expect(refusal('{ "vars": { "constructor": null } }', "wrangler.json")).toBe(
      "wrangler.json: vars.constructor cannot be constructor: __proto__, constructor, prototype and __outpost… are reserved",
    );
    expect(refusal('{ "vars": { "__proto__": { "A": 1 } } }', "wrangler.jsonc")).toBe(
      "wrangler.jsonc: vars.__proto__ cannot be __proto__: __proto__, constructor, prototype and __outpost… are reserved",
    );
    expect(refusal('[[kv_namespaces]]\nbinding = "prototype"\n')).toBe(reserved("kv_namespaces[0].binding", "prototype"));
    expect(refusal('[[r2_buckets]]\nbinding = "__proto__"\nbucket_name = "b"\n')).toBe(reserved("r2_buckets[0].binding", "__proto__"));
    expect(refusal('[[services]]\nbinding = "constructor"\nservice = "s"\n')).toBe(reserved("services[0].binding", "constructor"));
    expect(refusal('[[vaults]]\nbinding = "__proto__"\n')).toBe(reserved("vaults[0].binding", "__proto__"));
    expect(refusal('[[secrets_store_secrets]]\nbinding = "prototype"\nsecret_name = "s"\nstore_id = "x"\n')).toBe(
      reserved("secrets_store_secrets[0].binding", "prototype"),
    );
    expect(refusal('[[queues.producers]]\nbinding = "__proto__"\nqueue = "q"\n')).toBe(reserved("queues.producers[0].binding", "__proto__"));
    expect(refusal('[assets]\ndirectory = "public"\nbinding = "constructor"\n')).toBe(reserved("assets.binding", "constructor"));
    expect(refusal('[[vaults]]\nbinding = "my-vault"\n')).toBe(
      'wrangler.toml: vaults[0].binding must be a JavaScript identifier of at most 64 characters, not "my-vault"',
    );
  });

  it("config: JSON configs say object, not table", () => {
    expect(refusal(`{ "vars": [] }`, "wrangler.json")).toBe("wrangler.json: vars must be an object");
    expect(refusal(`[]`, "wrangler.json")).toBe("wrangler.json: the top level must be an object");
  });

  it("config: a TOML syntax error names the line and shows it", () => {
    expect(refusal(`name = "w"\nmain = "src/index.ts"\n[vars\nA = 1\n`)).toBe(
      [
        "wrangler.toml: TOML syntax error on line 3, column 6: illegal character in key",
        "",
        '2:  main = "src/index.ts"',
        "3:  [vars",
        "         ^",
        "4:  A = 1",
      ].join("\n"),
    );
    expect(refusal(`name = "a"\nname = "b"\n`)).toMatch(/^wrangler\.toml: TOML syntax error on line 2, column 1: /);
  });

  it("config: a JSON syntax error is refused with the file's name, line and column", () => {
    expect(refusal(`{\n  "name": "w",\n  "main": src/index.ts\n}`, "wrangler.json")).toBe(
      'wrangler.json: JSON syntax error on line 3, column 11: invalid symbol at "src"',
    );
    expect(refusal(`{\n  /* a comment */ "name": "w"\n  "main": "src/index.ts",\n}`, "wrangler.jsonc")).toBe(
      'wrangler.jsonc: JSON syntax error on line 3, column 3: comma expected at "\\"main\\""',
    );
    expect(refusal(`{\n  "name": "w",\n  /* never closed\n}`, "wrangler.jsonc")).toBe(
      'wrangler.jsonc: JSON syntax error on line 3, column 3: unexpected end of comment at "/* never closed\\n}"',
    );
    expect(refusal(`{ "name": "w" }\n}`, "wrangler.jsonc")).toBe('wrangler.jsonc: JSON syntax error on line 2, column 1: end of file expected at "}"');
    expect(refusal("", "wrangler.json")).toBe("wrangler.json: JSON syntax error on line 1, column 1: value expected");
  });
});
