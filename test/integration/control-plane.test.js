// The package store's contract, sentence by sentence, plus routing and gradual rollouts.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, taggedWorker } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

/** @param {string} name @param {string} tag @param {Record<string, unknown>} [extra] */
async function deploy(name, tag, extra = {}) {
  const response = await platform.admin("PUT", `/v1/workers/${name}`, { ...(await taggedWorker(tag)), ...extra });
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  return response.body;
}

/** @param {string} name */
const serving = async (name) => (await platform.fetchWorker(name)).text;
/** @param {string} name */
const versions = async (name) => (await platform.admin("GET", `/v1/workers/${name}/versions`)).body.versions;

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_KEEP_VERSIONS: "3" } });
  // Routes need hosts the tenant owns.
  for (const domain of ["atomic.example", "crash.example", "zz.example", "aa.example", "shop.example", "*.shop.example", "owned.example"]) {
    expect((await platform.admin("PUT", `/v1/domains/${domain}`)).status).toBe(201);
  }
});
afterAll(() => platform?.stop());

describe("package store", () => {
  it("store: a failure between storing the version and re-pointing routes leaves nothing half-done", async () => {
    const v1 = await deploy("atomic", "v1", { routes: ["atomic.example/*"] });
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      // Fault injection: the routes step of the deploy transaction fails for one pattern.
      await sql.unsafe(`CREATE FUNCTION fail_route() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER fail_route BEFORE INSERT ON routes FOR EACH ROW WHEN (NEW.pattern = 'crash.example/*') EXECUTE FUNCTION fail_route();`);
      const response = await platform.admin("PUT", "/v1/workers/atomic", { ...(await taggedWorker("v2")), routes: ["crash.example/*"] });
      expect(response.status).toBe(500);
      expect(await versions("atomic")).toHaveLength(1);
      expect((await platform.admin("GET", "/v1/workers/atomic")).body).toMatchObject({ version: v1.version, routes: ["atomic.example/*"] });
      expect(await serving("atomic")).toBe("v1");
      expect((await httpRequest(platform.port, "atomic.example", "/x")).text).toBe("v1");
    } finally {
      await sql.unsafe("DROP TRIGGER fail_route ON routes; DROP FUNCTION fail_route();");
      await sql.end();
    }
  });

  it("store: re-deploying an identical version replaces nothing, still re-points the route, and is idempotent", async () => {
    const v1 = await deploy("same-again", "v1");
    const v2Body = await taggedWorker("v2");
    const v2 = (await platform.admin("PUT", "/v1/workers/same-again", v2Body)).body;
    const before = await versions("same-again");
    await platform.admin("POST", "/v1/workers/same-again/rollback", { version: v1.version });
    expect(await serving("same-again")).toBe("v1");
    const again = await platform.admin("PUT", "/v1/workers/same-again", v2Body);
    expect(again).toEqual({ status: 201, body: { ...v2, changed: true } }); // re-pointed from v1
    expect(await serving("same-again")).toBe("v2");
    const once = await platform.admin("PUT", "/v1/workers/same-again", v2Body);
    expect(once).toEqual({ status: 200, body: { ...v2, changed: false } });
    const after = await versions("same-again");
    expect(after.map((/** @type {any} */ v) => [v.id, v.created_at])).toEqual(before.map((/** @type {any} */ v) => [v.id, v.created_at]));
  });

  it("store: versions are listed by ascending deploy time, ties broken by content hash", async () => {
    const deployed = [await deploy("ordered", "a"), await deploy("ordered", "b"), await deploy("ordered", "c")];
    expect((await versions("ordered")).map((/** @type {any} */ v) => v.id)).toEqual(deployed.map((d) => d.version));
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      await sql`UPDATE versions SET created_at = '2026-01-01T00:00:00Z' WHERE worker = 'ordered'`;
    } finally {
      await sql.end();
    }
    expect((await versions("ordered")).map((/** @type {any} */ v) => v.id)).toEqual(deployed.map((d) => d.version).sort());
  });

  it("store: deleting a missing version is a no-op; deleting the serving one is refused", async () => {
    const v1 = await deploy("deletable", "v1");
    const v2 = await deploy("deletable", "v2");
    const missing = "f".repeat(64);
    expect(await platform.admin("DELETE", `/v1/workers/deletable/versions/${missing}`)).toEqual({ status: 200, body: { deleted: false } });
    const refused = await platform.admin("DELETE", `/v1/workers/deletable/versions/${v2.version}`);
    expect(refused).toEqual({
      status: 409,
      body: { error: { code: "ERR_CONFLICT", message: `Version ${v2.version} is serving traffic of deletable; roll back or end the rollout first.` } },
    });
    expect(await platform.admin("DELETE", `/v1/workers/deletable/versions/${v1.version}`)).toEqual({ status: 200, body: { deleted: true } });
    expect((await versions("deletable")).map((/** @type {any} */ v) => v.id)).toEqual([v2.version]);
    expect(await serving("deletable")).toBe("v2");
  });

  it("store: rollback goes to the previous version, roll-forward to any stored one", async () => {
    const [a, b, c] = [await deploy("flipper", "a"), await deploy("flipper", "b"), await deploy("flipper", "c")];
    expect((await platform.admin("POST", "/v1/workers/flipper/rollback")).body.version).toBe(b.version);
    expect(await serving("flipper")).toBe("b");
    expect((await platform.admin("POST", "/v1/workers/flipper/rollback")).body.version).toBe(a.version);
    expect(await serving("flipper")).toBe("a");
    const noOlder = await platform.admin("POST", "/v1/workers/flipper/rollback");
    expect(noOlder.body.error.message).toBe("Worker flipper has no version older than the serving one to roll back to.");
    await platform.admin("POST", "/v1/workers/flipper/rollback", { version: c.version });
    expect(await serving("flipper")).toBe("c");
  });

  it("store: a version of another worker cannot be rolled back to", async () => {
    const other = await deploy("stranger", "x");
    await deploy("victim", "v");
    const response = await platform.admin("POST", "/v1/workers/victim/rollback", { version: other.version });
    expect(response).toEqual({ status: 404, body: { error: { code: "ERR_NOT_FOUND", message: `Worker victim has no version ${other.version}.` } } });
    expect(await serving("victim")).toBe("v");
  });

  it("store: the newest versions are kept (OUTPOST_KEEP_VERSIONS) plus the serving one; older ones are deleted", async () => {
    const first = await deploy("keeper", "1");
    const later = [];
    // Deployed as 0 % rollouts, so version "1" keeps serving while newer ones pile up.
    for (const tag of ["2", "3", "4", "5"]) later.push(await deploy("keeper", tag, { rolloutPercent: 0 }));
    const kept = (await versions("keeper")).map((/** @type {any} */ v) => v.id);
    expect(kept).toEqual([first.version, ...later.slice(1).map((d) => d.version)]);
    expect(await serving("keeper")).toBe("1");
    const gone = await platform.admin("POST", "/v1/workers/keeper/rollback", { version: later[0].version });
    expect(gone.status).toBe(404);
  });

  it("store: routes are listed ordered by worker name; deleting a worker removes its routes and versions", async () => {
    await deploy("zz-routes", "z", { routes: ["zz.example/*"] });
    await deploy("aa-routes", "a", { routes: ["aa.example/b/*", "aa.example/a"] });
    const { routes } = (await platform.admin("GET", "/v1/routes")).body;
    const ours = routes.filter((/** @type {any} */ r) => r.pattern.endsWith(".example/*") || r.pattern.startsWith("aa.example"));
    expect(ours.map((/** @type {any} */ r) => r.worker)).toEqual([...ours.map((/** @type {any} */ r) => r.worker)].sort());
    expect(routes.filter((/** @type {any} */ r) => r.worker === "aa-routes")).toEqual([
      { pattern: "aa.example/a", worker: "aa-routes" },
      { pattern: "aa.example/b/*", worker: "aa-routes" },
    ]);
    expect((await platform.admin("DELETE", "/v1/workers/zz-routes")).status).toBe(204);
    expect((await platform.admin("GET", "/v1/workers/zz-routes")).status).toBe(404);
    expect((await platform.admin("GET", "/v1/routes")).body.routes.some((/** @type {any} */ r) => r.worker === "zz-routes")).toBe(false);
    expect((await httpRequest(platform.port, "zz.example", "/")).status).toBe(404);
  });
});

describe("routing", () => {
  it("routes: a request matching a pattern goes to that worker, the most specific pattern wins", async () => {
    await deploy("site", "site", { routes: ["shop.example/*", "*.shop.example/*"] });
    await deploy("api", "api", { routes: ["shop.example/api/*"] });
    await deploy("cart", "cart", { routes: ["shop.example/api/cart"] });
    const at = async (/** @type {string} */ host, /** @type {string} */ path) => (await httpRequest(platform.port, host, path)).text;
    expect(await at("shop.example", "/")).toBe("site");
    expect(await at("shop.example", "/about")).toBe("site");
    expect(await at("shop.example", "/api/users")).toBe("api");
    expect(await at("shop.example", "/api/cart")).toBe("cart");
    expect(await at("shop.example", "/api/cart/items")).toBe("api");
    expect(await at("eu.shop.example", "/api/users")).toBe("site");
    expect((await httpRequest(platform.port, "elsewhere.example", "/")).status).toBe(404);
  });

  it("routes: a pattern another worker uses is refused at deploy and changes nothing", async () => {
    await deploy("owner", "owner", { routes: ["owned.example/*"] });
    const response = await platform.admin("PUT", "/v1/workers/intruder2", { ...(await taggedWorker("intruder")), routes: ["owned.example/*"] });
    expect(response).toEqual({ status: 409, body: { error: { code: "ERR_CONFLICT", message: "Route owned.example/* is already used by worker owner." } } });
    expect((await platform.admin("GET", "/v1/workers/intruder2")).status).toBe(404);
    expect((await httpRequest(platform.port, "owned.example", "/")).text).toBe("owner");
  });

  it("routes: invalid patterns are refused with the reason", async () => {
    for (const [pattern, reason] of [
      ["exa*mple.com/*", '"exa*mple.com" is not a valid route host; a "*" may only open it.'],
      ["example.com/a*b", '"/a*b": a "*" may only end the path.'],
      ["example.com:http/*", '"example.com:http" is not a valid route host; a "*" may only open it.'],
    ]) {
      const response = await platform.admin("PUT", "/v1/workers/badroutes", { ...(await taggedWorker("x")), routes: [pattern] });
      expect(response).toEqual({ status: 400, body: { error: { code: "ERR_BAD_REQUEST", message: `Route ${pattern}: ${reason}` } } });
    }
  });
});

describe("gradual rollout", () => {
  it("rollout: a percentage of requests goes to the new version, sticky per version key", async () => {
    await deploy("canary", "stable");
    const next = await deploy("canary", "next", { rolloutPercent: 30 });
    expect(next.rolloutPercent).toBe(30);
    let nextCount = 0;
    const total = 400;
    for (let i = 0; i < total; i++) if ((await platform.fetchWorker("canary")).text === "next") nextCount++;
    // 30 % of 400 is 120; with binomial spread (σ ≈ 9) anything in 70..170 is a working split.
    expect(nextCount).toBeGreaterThan(70);
    expect(nextCount).toBeLessThan(170);
    for (const user of ["alice", "bob", "carol", "dave", "erin"]) {
      const headers = { "cloudflare-workers-version-key": user };
      const first = (await platform.fetchWorker("canary", "/", { headers })).text;
      for (let i = 0; i < 10; i++) expect((await platform.fetchWorker("canary", "/", { headers })).text).toBe(first);
    }
    const listed = await versions("canary");
    expect(listed.map((/** @type {any} */ v) => [v.serving, v.rolloutPercent])).toEqual([
      [true, null],
      [false, 30],
    ]);
  });

  it("rollout: promote makes the new version serve everything; abort drops it", async () => {
    await deploy("promoted", "old");
    await deploy("promoted", "new", { rolloutPercent: 50 });
    expect((await platform.admin("POST", "/v1/workers/promoted/rollout/promote")).body.rollout).toBe(null);
    for (let i = 0; i < 20; i++) expect(await serving("promoted")).toBe("new");

    await deploy("aborted", "old");
    await deploy("aborted", "new", { rolloutPercent: 50 });
    await platform.admin("POST", "/v1/workers/aborted/rollout/abort");
    for (let i = 0; i < 20; i++) expect(await serving("aborted")).toBe("old");
    const again = await platform.admin("POST", "/v1/workers/aborted/rollout/abort");
    expect(again).toEqual({ status: 409, body: { error: { code: "ERR_CONFLICT", message: "Worker aborted has no rollout in progress." } } });
  });

  it("rollout: started over the API for any stored version, 100 % sends everything", async () => {
    const v1 = await deploy("manual", "one");
    await deploy("manual", "two");
    await platform.admin("POST", "/v1/workers/manual/rollout", { version: v1.version, percent: 100 });
    for (let i = 0; i < 10; i++) expect(await serving("manual")).toBe("one");
    const bad = await platform.admin("POST", "/v1/workers/manual/rollout", { version: v1.version, percent: 101 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^body\.percent: /);
  });
});

describe("openapi", () => {
  it("openapi: the admin socket serves a document generated from the schemas", async () => {
    /** @type {any} */
    const doc = await (await fetch(`${platform.adminUrl}/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    const deploySchema = doc.paths["/v1/workers/{name}"].put.requestBody.content["application/json"].schema;
    expect(deploySchema.required).toEqual(["mainModule", "modules"]);
    expect(Object.keys(deploySchema.properties)).toEqual(expect.arrayContaining(["routes", "services", "kv", "vars", "rolloutPercent"]));
    expect(doc.paths["/v1/tokens"].post.summary).toContain("operator token");
    expect(deploySchema.properties.kv).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    expect(doc.paths["/v1/audit"].get.summary).toContain("newest first");
  });
});
