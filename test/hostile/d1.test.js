// Attacks on D1: a worker reaches only the databases its version was deployed with, SQL cannot
// reach other files or the platform's tables, and a refused call changes nothing.
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProcessExit } from "../helpers/containment.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// Runs what the JSON body says on env.DB; /raw works on the platform's raw RPC stub, as an
// attacker gets it (see kv-isolation.test.js), whose methods take the invocation's token first.
const PROBE = `const builtin = () => import(["cloudflare", "workers"].join(":"));
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const attempt = async (fn) => { try { return { ok: await fn() }; } catch (error) { return { error: error.message }; } };
    const body = request.method === "POST" ? await request.json() : {};
    switch (url.pathname) {
      case "/all": return Response.json(await attempt(() => env.DB.prepare(body.sql).bind(...(body.bind ?? [])).all().then((r) => r.results)));
      case "/session": return Response.json(await attempt(() => env.DB.withSession().prepare("SELECT 1").run().then(() => "done")));
      case "/exec": return Response.json(await attempt(() => env.DB.exec(body.sql)));
      case "/own-keys": return Response.json({ keys: Reflect.ownKeys(env.DB).map(String), json: JSON.stringify(env.DB) });
      case "/raw": {
        const stub = (await builtin()).env.DB;
        const token = ctx.props.invocation;
        return Response.json({
          otherDatabase: await attempt(() => stub.query(token, [{ sql: "SELECT 1", params: [] }], { databaseId: body.databaseId })),
          extraField: await attempt(() => stub.query(token, [{ sql: "SELECT 1", params: [], databaseId: body.databaseId }])),
          notAnArray: await attempt(() => stub.query(token, "SELECT 1")),
          badValue: await attempt(() => stub.query(token, [{ sql: "SELECT ?", params: [{ toString: "x" }] }])),
          noToken: await attempt(() => stub.query("", [{ sql: "SELECT 1", params: [] }])),
          hugeStatement: await attempt(() => stub.query(token, [{ sql: "SELECT '" + "x".repeat(200000) + "'", params: [] }])),
          erase: await attempt(() => stub.erase(token)),
          props: await attempt(async () => JSON.stringify(await stub.ctx)),
          env: await attempt(async () => JSON.stringify(await stub.env)),
        });
      }
    }
    return new Response("?", { status: 404 });
  },
};`;

/** @param {string} worker @param {string} path @param {Record<string, unknown>} body */
async function call(worker, path, body = {}) {
  return JSON.parse((await platform.fetchWorker(worker, path, { method: "POST", body: JSON.stringify(body) })).text);
}

/** @param {string} worker @param {string} sql @param {unknown[]} [bind] */
const all = (worker, sql, bind) => call(worker, "/all", { sql, bind });

beforeAll(async () => {
  platform = await startPlatform();
  const entry = await workerFile(PROBE);
  await platform.deploy("alice", entry, { d1: { DB: { databaseName: "shared" } } });
  await platform.deploy("bob", entry, { d1: { DB: { databaseName: "bob-db" } } });
  await platform.deploy("mallory", entry, { d1: { DB: { databaseName: "shared" } }, tenant: "evil" });
  await call("alice", "/exec", { sql: "CREATE TABLE secrets (v TEXT);\nINSERT INTO secrets VALUES ('alice-secret');" });
});
afterAll(() => platform?.stop());

describe("database isolation", () => {
  it("isolation: another worker's database has none of the tables", async () => {
    expect(await all("bob", "SELECT v FROM secrets")).toEqual({ error: "D1_ERROR: no such table: secrets: SQLITE_ERROR" });
  });

  it("isolation: the same database name in another tenant is another database", async () => {
    expect(await all("mallory", "SELECT v FROM secrets")).toEqual({ error: "D1_ERROR: no such table: secrets: SQLITE_ERROR" });
    await call("mallory", "/exec", { sql: "CREATE TABLE secrets (v TEXT);\nINSERT INTO secrets VALUES ('mallory');" });
    expect(await all("alice", "SELECT v FROM secrets")).toEqual({ ok: [{ v: "alice-secret" }] });
  });

  it("isolation: the binding object exposes no RPC stub", async () => {
    expect(await call("alice", "/own-keys")).toEqual({ keys: [], json: "{}" });
  });

  it("isolation: crafted RPC calls on the raw stub cannot choose the database or reach the runner's internals", async () => {
    const result = await call("bob", "/raw", { databaseId: "anything" });
    expect(result.otherDatabase.error).toMatch(/^Invalid argument to the D1 binding: .*Unrecognized key: "databaseId"/);
    expect(result.extraField.error).toMatch(/^Invalid argument to the D1 binding: .*Unrecognized key: "databaseId"/);
    expect(result.notAnArray.error).toMatch(/^Invalid argument to the D1 binding: /);
    expect(result.badValue.error).toMatch(/^Invalid argument to the D1 binding: /);
    expect(result.noToken.error).toBeDefined();
    expect(result.hugeStatement).toEqual({ ok: { ok: false, error: "statement too long: SQLITE_TOOBIG", index: 0 } });
    expect(result.erase.error).toBeDefined();
    expect(result.props.ok ?? "").not.toContain("databaseId");
    expect(result.env.ok ?? "").not.toMatch(/postgres|HYPERDRIVE|adminToken/i);
  });
});

describe("escapes from the database", () => {
  it("files: ATTACH, VACUUM INTO and DETACH are refused and create no file", async () => {
    const target = join(platform.dataDir, "stolen.sqlite");
    expect(await all("alice", `ATTACH DATABASE '${target}' AS other`)).toEqual({ error: "D1_ERROR: not authorized: SQLITE_AUTH" });
    expect((await all("alice", `VACUUM INTO '${target}'`)).error).toMatch(/^D1_ERROR: /);
    expect(await all("alice", "DETACH DATABASE main")).toEqual({ error: "D1_ERROR: not authorized: SQLITE_AUTH" });
    expect(await readdir(platform.dataDir)).not.toContain("stolen.sqlite");
  });

  it("pragmas: those that write or name files are refused; none shows the file's path", async () => {
    for (const pragma of ["journal_mode = OFF", "writable_schema = 1", "temp_store_directory = '/tmp'", "locking_mode = EXCLUSIVE"]) {
      expect((await all("alice", `PRAGMA ${pragma}`)).error, pragma).toMatch(/^D1_ERROR: /);
    }
    const list = await all("alice", "PRAGMA database_list");
    expect(JSON.stringify(list)).not.toContain(platform.dataDir);
  });

  it("functions: extensions and file readers are not there", async () => {
    expect((await all("alice", "SELECT load_extension('/tmp/evil.so')")).error).toMatch(/^D1_ERROR: not authorized/);
    expect((await all("alice", "SELECT readfile('/etc/passwd')")).error).toMatch(/^D1_ERROR: no such function: readfile/);
  });

  it("_cf_ tables: the object's own tables cannot be read, written or made", async () => {
    // A session's bookmark makes the object write its _cf_METADATA table.
    expect(await call("alice", "/session")).toEqual({ ok: "done" });
    expect(await all("alice", "SELECT * FROM _cf_METADATA")).toEqual({ error: "D1_ERROR: access to _cf_METADATA.key is prohibited: SQLITE_AUTH" });
    expect(await all("alice", "DROP TABLE _cf_METADATA")).toEqual({ error: "D1_ERROR: not authorized: SQLITE_AUTH" });
    expect(await all("alice", "CREATE TABLE _cf_mine (a)")).toEqual({ error: "D1_ERROR: not authorized: SQLITE_AUTH" });
    // SQLite's names are case-insensitive: another spelling is the same table, and as refused.
    expect(await all("alice", "SELECT * FROM _CF_METADATA")).toEqual({ error: "D1_ERROR: access to _cf_METADATA.key is prohibited: SQLITE_AUTH" });
    expect(await all("alice", "DROP TABLE _Cf_MetaData")).toEqual({ error: "D1_ERROR: not authorized: SQLITE_AUTH" });
    expect(await all("alice", "UPDATE sqlite_master SET sql = ''")).toEqual({ error: "D1_ERROR: table sqlite_master may not be modified: SQLITE_ERROR" });
  });
});

describe("bad input changes nothing", () => {
  it("huge statements: refused with D1's error, nothing written", async () => {
    const sql = `INSERT INTO secrets VALUES ('${"x".repeat(100_000)}')`;
    expect(await all("alice", sql)).toEqual({ error: "D1_ERROR: statement too long: SQLITE_TOOBIG" });
    expect(await all("alice", "SELECT count(*) AS n FROM secrets")).toEqual({ ok: [{ n: 1 }] });
  });

  it("too many parameters: refused with D1's error, nothing written", async () => {
    const marks = Array.from({ length: 101 }, () => "(?)").join(", ");
    const values = Array.from({ length: 101 }, (_, i) => `v${i}`);
    expect((await all("alice", `INSERT INTO secrets VALUES ${marks}`, values)).error).toMatch(/^D1_ERROR: too many SQL variables at offset \d+: SQLITE_ERROR$/);
    expect(await all("alice", "SELECT count(*) AS n FROM secrets")).toEqual({ ok: [{ n: 1 }] });
  });

  it("wrong types: D1_TYPE_ERROR before anything is sent", async () => {
    expect(await all("alice", "INSERT INTO secrets VALUES (?)", [{ nested: true }])).toEqual({
      error: "D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'",
    });
    expect(await all("alice", "SELECT count(*) AS n FROM secrets")).toEqual({ ok: [{ n: 1 }] });
  });

  it("exec: a failing line rolls back the lines before it", async () => {
    const answer = await call("alice", "/exec", { sql: "DELETE FROM secrets;\nSELECT * FROM nowhere;" });
    expect(answer.error).toBe("D1_EXEC_ERROR: Error in line 2: SELECT * FROM nowhere;: no such table: nowhere: SQLITE_ERROR");
    expect(await all("alice", "SELECT v FROM secrets")).toEqual({ ok: [{ v: "alice-secret" }] });
  });

  it("transactions in SQL: BEGIN and SAVEPOINT are refused, so a call cannot hold the database open", async () => {
    expect((await all("alice", "BEGIN")).error).toMatch(/^D1_ERROR: To execute a transaction/);
    expect((await all("alice", "SAVEPOINT s")).error).toMatch(/^D1_ERROR: To execute a transaction/);
  });
});

describe("a query that never ends", () => {
  it("stall: the process is replaced and the querying worker blamed; another tenant's database answers after, its rows kept", async () => {
    // A 300 ms stall limit keeps the test short.
    const stalled = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_STALL_MS: "300" } });
    try {
      const entry = await workerFile(PROBE);
      await stalled.deploy("spinner", entry, { tenant: "evil", d1: { DB: { databaseName: "db" } } });
      await stalled.deploy("steady", entry, { tenant: "good", d1: { DB: { databaseName: "db" } } });
      const run = async (/** @type {string} */ worker, /** @type {string} */ path, /** @type {object} */ body) =>
        stalled.fetchWorker(worker, path, { method: "POST", body: JSON.stringify(body) }).catch(() => ({ status: 0, text: "" }));
      await run("steady", "/exec", { sql: "CREATE TABLE kept (v TEXT);\nINSERT INTO kept VALUES ('before');" });
      const endless = await run("spinner", "/all", { sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" });
      expect(endless.text).not.toContain('"ok"');
      await waitUntil(() => stalled.events().some(isProcessExit), 10_000);
      const exit = stalled.events().find(isProcessExit);
      expect(exit).toMatchObject({ kind: "cpu", suspects: ["evil/spinner"] });
      await waitUntil(async () => JSON.parse((await run("steady", "/all", { sql: "SELECT v FROM kept" })).text || "{}").ok?.[0]?.v === "before", 20_000);
    } finally {
      await stalled.stop();
    }
  });

  it("stall through another host: the owner journals the forwarded query as the calling worker's, and blames it", async () => {
    const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");
    const owner = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_STALL_MS: "300", OUTPOST_MASTER_KEY } });
    /** @type {import("../helpers/platform.js").Platform | undefined} */
    let caller;
    try {
      caller = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_MASTER_KEY, DATABASE_URL: await owner.databaseUrl() } });
      await owner.deploy("spinner", await workerFile(PROBE), { tenant: "evil", d1: { DB: { databaseName: "db" } } });
      const run = async (/** @type {import("../helpers/platform.js").Platform} */ host, /** @type {string} */ path, /** @type {object} */ body) =>
        host.fetchWorker("spinner", path, { method: "POST", body: JSON.stringify(body) }).catch(() => ({ status: 0, text: "" }));
      // The first call makes the owner host's process the database's owner.
      expect((await run(owner, "/exec", { sql: "CREATE TABLE t (v TEXT);" })).status).toBe(200);
      // Sent to the other host, which forwards it: the owner's process stalls, not the caller's.
      const endless = await run(caller, "/all", { sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" });
      expect(endless.text).not.toContain('"ok"');
      await waitUntil(() => owner.events().some(isProcessExit), 10_000);
      expect(owner.events().find(isProcessExit)).toMatchObject({ kind: "cpu", suspects: ["evil/spinner"] });
      expect(caller.events().some(isProcessExit)).toBe(false);
    } finally {
      await caller?.stop();
      await owner.stop();
    }
  });
});
