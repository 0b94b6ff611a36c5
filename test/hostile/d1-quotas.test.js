// Attacks on D1's quotas and its newer routes: a tenant cannot pass its d1_databases quota by
// racing creates or binding many databases in one deploy, cannot grow its databases past its
// d1_bytes quota (a refused write changes nothing), and cannot export another tenant's database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ modules: unknown, mainModule?: string }} */
let bundle;

// Runs the JSON body's SQL on env.DB (or env[body.binding]) and answers its rows, or the error.
const WORKER = `export default {
  async fetch(request, env) {
    const { sql, binding = "DB" } = await request.json();
    try {
      return Response.json({ ok: (await env[binding].prepare(sql).all()).results });
    } catch (error) {
      return Response.json({ error: error.message });
    }
  },
};`;

/** @param {string} tenant @param {Record<string, number | null>} quotas */
const setQuotas = async (tenant, quotas) => expect((await platform.admin("PATCH", `/v1/tenants/${tenant}/quotas`, quotas)).status).toBe(200);

/** @param {string} tenant */
const names = async (tenant) =>
  (await platform.admin("GET", `/v1/d1/databases?tenant=${tenant}`)).body.databases.map((/** @type {{ name: string }} */ d) => d.name).sort();

/** @param {string} tenant @param {string} name */
const create = (tenant, name) => platform.admin("POST", `/v1/d1/databases?tenant=${tenant}`, { name });

/** @param {string} worker @param {string} tenant @param {string[]} databases */
const deploy = (worker, tenant, databases) =>
  platform.admin("PUT", `/v1/workers/${worker}`, {
    ...bundle,
    tenant,
    d1: Object.fromEntries(databases.map((name, i) => [`DB${i || ""}`, { databaseName: name }])),
  });

/** @param {string} worker @param {string} sql @param {string} [binding] */
const run = async (worker, sql, binding) =>
  JSON.parse((await platform.fetchWorker(worker, "/", { method: "POST", body: JSON.stringify({ sql, binding }) })).text);

/** @param {string} tenant @param {string} resource */
async function used(tenant, resource) {
  const { body } = await platform.admin("GET", `/v1/tenants/${tenant}/usage`);
  return body.usage.find((/** @type {{ resource: string }} */ row) => row.resource === resource);
}

beforeAll(async () => {
  platform = await startPlatform();
  bundle = await bundleWorker(await workerFile(WORKER));
});
afterAll(() => platform?.stop());

describe("d1_databases quota", () => {
  it("d1 create past the quota is refused with the quota's error and creates nothing", async () => {
    await setQuotas("counted", { d1_databases: 2 });
    expect((await create("counted", "one")).status).toBe(201);
    expect((await create("counted", "two")).status).toBe(201);
    expect(await create("counted", "three")).toEqual({
      status: 403,
      body: { error: { code: "ERR_QUOTA_EXCEEDED", message: "tenant counted is over its d1_databases quota (3 of 2 databases with this change)" } },
    });
    expect(await names("counted")).toEqual(["one", "two"]);
    expect(await used("counted", "d1_databases")).toMatchObject({ used: 2, quota: 2, unit: "databases", overridden: true });
  });

  it("racing creates: 20 at once with a quota of 3 leave exactly 3", async () => {
    await setQuotas("racer", { d1_databases: 3 });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => create("racer", `db-${i}`)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 403)).toHaveLength(17);
    expect(await names("racer")).toHaveLength(3);
  });

  it("one deploy binding many new databases past the quota is refused whole: no database, no worker", async () => {
    await setQuotas("binder", { d1_databases: 3 });
    expect((await create("binder", "kept")).status).toBe(201);
    const refused = await deploy("binder-app", "binder", ["kept", "a", "b", "c", "d", "e"]);
    expect(refused).toEqual({
      status: 403,
      body: { error: { code: "ERR_QUOTA_EXCEEDED", message: "tenant binder is over its d1_databases quota (6 of 3 databases with this change)" } },
    });
    expect(await names("binder")).toEqual(["kept"]);
    expect((await platform.admin("GET", "/v1/workers/binder-app")).status).toBe(404);
    // Within it, the same deploy passes; two bindings of one database count once.
    expect((await deploy("binder-app", "binder", ["kept", "a", "a", "b"])).status).toBe(201);
    expect(await names("binder")).toEqual(["a", "b", "kept"]);
  });

  it("racing deploys, each binding new databases, never pass the quota together", async () => {
    await setQuotas("deployer", { d1_databases: 4 });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => deploy(`deployer-${i}`, "deployer", [`x${i}`, `y${i}`])));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(2);
    expect(await names("deployer")).toHaveLength(4);
  });
});

describe("d1_bytes quota", () => {
  it("a write that would grow the tenant's databases past the quota is D1's full-database error and changes nothing; reads and deletes pass", async () => {
    await setQuotas("filler", { d1_bytes: 1024 * 1024 });
    expect((await deploy("filler-app", "filler", ["big", "small"])).status).toBe(201);
    expect(await run("filler-app", "CREATE TABLE t (b BLOB)")).toEqual({ ok: [] });
    let rows = 0;
    for (; rows < 20; rows++) {
      const answer = await run("filler-app", "INSERT INTO t VALUES (randomblob(150000))");
      if (answer.error) {
        expect(answer.error).toBe("D1_ERROR: Exceeded maximum DB size");
        break;
      }
    }
    expect(rows).toBeGreaterThan(3);
    expect(rows).toBeLessThan(7);
    expect(await run("filler-app", "SELECT count(*) AS n FROM t")).toEqual({ ok: [{ n: rows }] });
    // The size is recorded for the tenant (after the call), and the other database's writes see it.
    await waitUntil(async () => (await used("filler", "d1_bytes")).used > 600_000, 5000);
    const usage = await used("filler", "d1_bytes");
    expect(usage.used).toBeLessThanOrEqual(1024 * 1024);
    expect(usage).toMatchObject({ quota: 1024 * 1024, unit: "bytes" });
    // (Its first call, so it reads the recorded sizes now: a process keeps them for a second.)
    expect(await run("filler-app", "CREATE TABLE t (b BLOB)", "DB1")).toEqual({ ok: [] });
    expect(await run("filler-app", "INSERT INTO t VALUES (randomblob(400000))", "DB1")).toEqual({ error: "D1_ERROR: Exceeded maximum DB size" });
    expect(await run("filler-app", "SELECT count(*) AS n FROM t", "DB1")).toEqual({ ok: [{ n: 0 }] });
    // A batch whose last statement overflows rolls back the ones before it.
    const batch = await platform.admin("POST", "/v1/d1/databases/big/query?tenant=filler", {
      sql: "DELETE FROM t WHERE rowid = 1; INSERT INTO t VALUES (randomblob(900000))",
    });
    expect(batch).toEqual({
      status: 400,
      body: { error: { code: "ERR_BAD_REQUEST", message: expect.stringContaining("D1_ERROR: Exceeded maximum DB size") } },
    });
    expect(await run("filler-app", "SELECT count(*) AS n FROM t")).toEqual({ ok: [{ n: rows }] });
    expect(await run("filler-app", "DELETE FROM t WHERE rowid > 1")).toEqual({ ok: [] });
  });

  it("the tenant cannot raise its own limit: a binding's call carries no size of its own", async () => {
    const PROBE = `export default { async fetch(request, env, ctx) {
      const stub = (await import(["cloudflare", "workers"].join(":"))).env.DB;
      try { return Response.json(await stub.query(ctx.props.invocation, [{ sql: "SELECT 1", params: [] }], { maxSize: 1e15 })); }
      catch (error) { return Response.json({ error: error.message }); }
    } };`;
    const probe = await bundleWorker(await workerFile(PROBE));
    expect((await platform.admin("PUT", "/v1/workers/filler-probe", { ...probe, tenant: "filler", d1: { DB: { databaseName: "big" } } })).status).toBe(201);
    const answer = JSON.parse((await platform.fetchWorker("filler-probe", "/")).text);
    expect(answer).toEqual({ error: 'Invalid argument to the D1 binding: Unrecognized key: "maxSize"' });
  });
});

describe("another tenant's database through the export route", () => {
  it("a tenant token gets 404 for another tenant's database, as for a missing one, and 403 naming another tenant", async () => {
    expect((await create("victim", "private")).status).toBe(201);
    await platform.admin("POST", "/v1/d1/databases/private/query?tenant=victim", { sql: "CREATE TABLE s (v); INSERT INTO s VALUES ('secret')" });
    const { token } = (await platform.admin("POST", "/v1/tokens", { name: "thief", tenant: "thief" })).body;
    const missing = await platform.admin("GET", "/v1/d1/databases/nothing-here/export", undefined, token);
    const other = await platform.admin("GET", "/v1/d1/databases/private/export", undefined, token);
    expect(other.status).toBe(404);
    expect(other.body.error.message).toBe(missing.body.error.message.replace("nothing-here", "private").replace("nothing-here", "private"));
    const named = await platform.admin("GET", "/v1/d1/databases/private/export?tenant=victim", undefined, token);
    expect(named.status).toBe(403);
    expect(JSON.stringify(named.body)).not.toContain("secret");
    // The owner's export has it: the route works, and only for its tenant.
    expect((await platform.admin("GET", "/v1/d1/databases/private/export?tenant=victim")).body.sql).toContain("INSERT INTO \"s\" VALUES('secret');");
  });
});
