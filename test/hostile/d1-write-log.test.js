// Attacks on a D1 database's write log (runner/d1/write-log.ts): its table `_outpost_log`, the view
// Outpost appends through (`_outpost_mark`) and its triggers on each tenant table
// (`_outpost_on_insert_t`…) are out of the tenant's reach in every spelling SQLite reads as their
// name, through the binding and the tenant token's SQL route alike; every attempt changes nothing,
// and the log still replays the database exactly. A batch that fills the log (100,000 rows changed
// at once) commits and restores.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let token;

const REFUSED = "D1_ERROR: not authorized: SQLITE_AUTH";

// Runs each statement of the JSON body on env.DB, alone, and answers each one's rows or error.
const PROBE = `export default {
  async fetch(request, env) {
    const answers = [];
    for (const sql of (await request.json()).sql) {
      try { answers.push({ ok: (await env.DB.prepare(sql).all()).results }); } catch (error) { answers.push({ error: error.message }); }
    }
    return Response.json(answers);
  },
};`;

/** Each statement run through the worker's binding. @param {string[]} sql */
const viaBinding = async (sql) => JSON.parse((await platform.fetchWorker("ledger-app", "/", { method: "POST", body: JSON.stringify({ sql }) })).text);

/** A statement run through the tenant token's SQL route: its rows, or its error's message. @param {string} sql */
async function viaRoute(sql) {
  const { status, body } = await platform.admin("POST", "/v1/d1/databases/ledger/query", { sql }, token);
  return status === 200 ? { ok: body.results.at(-1).results } : { status, error: body.error?.message };
}

/** @param {string} database @param {string} route @param {"GET" | "POST"} [method] */
async function timeTravel(database, route, method = "GET") {
  const { status, body } = await platform.admin(method, `/v1/d1/databases/${database}/time-travel/${route}`, undefined, token);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** What the tenant can read of its database: every table's rows and the schema (Outpost's own objects left out). */
async function tenantView() {
  const schema = await viaRoute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name");
  return { schema, rows: await viaRoute("SELECT id, v FROM t ORDER BY id"), audit: await viaRoute("SELECT * FROM audit ORDER BY rowid") };
}

beforeAll(async () => {
  // A batch of 100,000 rows may run for about a second, the default stall limit (OUTPOST_STALL_MS);
  // a copy is taken a second after a change, so a restore replays only the log after it.
  platform = await startPlatform({ env: { OUTPOST_STALL_MS: "20000", OUTPOST_OBJECT_SNAPSHOT_SECONDS: "1" } });
  token = (await platform.admin("POST", "/v1/tokens", { name: "acme-ci", tenant: "acme" })).body.token;
  expect((await platform.admin("POST", "/v1/d1/databases", { name: "ledger" }, token)).status).toBe(201);
  await platform.deploy("ledger-app", await workerFile(PROBE), { tenant: "acme", d1: { DB: { databaseName: "ledger" } } });
  for (const sql of [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
    "CREATE TABLE audit (what TEXT)",
    "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.v); END",
    "INSERT INTO t (v) VALUES ('one'), ('two')",
  ]) {
    expect(await viaRoute(sql)).toEqual({ ok: [] });
  }
});
afterAll(() => platform?.stop());

/** Every way to spell one of Outpost's names that SQLite reads as that name. @param {string} name */
const spellings = (name) => [
  name,
  `"${name}"`,
  `\`${name}\``,
  `[${name}]`,
  `'${name}'`,
  name.toUpperCase(),
  `"${name.replace("log", "LoG").replace("mark", "MaRk").toUpperCase()}"`,
  `main.${name}`,
  `main."${name}"`,
  `"main".[${name}]`,
];

/** What a tenant would do to a table, view or trigger of that name. @param {string} name */
const attacks = (name) => [
  `SELECT * FROM ${name}`,
  `SELECT count(*) FROM ${name}`,
  `INSERT INTO ${name} (op) VALUES ('C')`,
  `UPDATE ${name} SET op = 'C'`,
  `DELETE FROM ${name}`,
  `DROP TABLE ${name}`,
  `DROP VIEW ${name}`,
  `DROP TRIGGER ${name}`,
  `DROP TRIGGER IF EXISTS ${name}`,
  `ALTER TABLE ${name} RENAME TO mine`,
  `ALTER TABLE ${name} ADD COLUMN x`,
  `CREATE TRIGGER spy AFTER INSERT ON ${name} BEGIN DELETE FROM t; END`,
  `CREATE TRIGGER spy INSTEAD OF INSERT ON ${name} BEGIN DELETE FROM t; END`,
  `CREATE VIEW spy AS SELECT * FROM ${name}`,
  `CREATE TABLE ${name} (a)`,
  `CREATE TABLE IF NOT EXISTS ${name} (a)`,
  `CREATE VIEW ${name} AS SELECT 1 AS op`,
  `CREATE INDEX spy ON ${name} (op)`,
  `CREATE TRIGGER ${name} AFTER INSERT ON t BEGIN DELETE FROM audit; END`,
  `SELECT * FROM pragma_table_info(${name})`,
  `PRAGMA table_info(${name})`,
  `WITH x AS (SELECT * FROM ${name}) SELECT * FROM x`,
  `SELECT * FROM t WHERE v IN (SELECT op FROM ${name})`,
];

const OWN = ["_outpost_log", "_outpost_mark", "_outpost_on_insert_t", "_outpost_on_update_t", "_outpost_on_delete_t"];

describe("Outpost's objects in the database", () => {
  it("every spelling of every name, in every statement, is refused through the binding and the route; nothing changes", async () => {
    const before = await tenantView();
    const statements = OWN.flatMap((name) => spellings(name).flatMap(attacks));
    const answers = await viaBinding(statements);
    for (const [i, sql] of statements.entries()) expect(answers[i], sql).toEqual({ error: REFUSED });
    for (const sql of statements.filter((_, i) => i % 7 === 0)) expect(await viaRoute(sql), sql).toEqual({ status: 400, error: REFUSED });
    // In a batch, a refused statement refuses the whole batch: the INSERT before it is not kept.
    expect(await viaRoute("INSERT INTO t (v) VALUES ('smuggled'); DELETE FROM _outpost_log")).toEqual({
      status: 400,
      error: `${REFUSED} (statement 2: DELETE FROM _outpost_log)`,
    });
    expect(await tenantView()).toEqual(before);
  });

  it("the prefix in a tenant's own names, or split by a comment, is refused too; in a longer word or a comment it runs", async () => {
    const answers = await viaBinding([
      "CREATE TABLE _outpost_x (a)",
      "CREATE TABLE [_Outpost_Y] (a)",
      "CREATE TABLE t2 (_outpost_col TEXT)",
      "SELECT v AS _outpost_alias FROM t",
      // `_outpost_` and `log` are two tokens to SQLite (a table `_outpost_` and its alias); the first is refused for its prefix.
      "SELECT * FROM _outpost_/**/log",
      "SELECT * FROM t WHERE v = '_outpost_log'",
      "CREATE TABLE my_outpost_log (a)",
      "SELECT '_outpost' AS a",
      "SELECT 1 AS a -- _outpost_log",
      "SELECT 1 AS a /* DROP TABLE _outpost_log */",
      "DROP TABLE my_outpost_log",
    ]);
    expect(answers).toEqual([
      { error: REFUSED },
      { error: REFUSED },
      { error: REFUSED },
      { error: REFUSED },
      { error: REFUSED },
      { error: REFUSED },
      { ok: [] },
      { ok: [{ a: "_outpost" }] },
      { ok: [{ a: 1 }] },
      { ok: [{ a: 1 }] },
      { ok: [] },
    ]);
    // The value that would be refused as text is bound instead.
    expect(await viaRoute("SELECT count(*) AS n FROM t WHERE v = '_outpost_log'")).toEqual({ status: 400, error: REFUSED });
    const bound = await platform.admin("POST", "/v1/d1/databases/ledger/query", { sql: "SELECT ? AS v", params: ["_outpost_log"] }, token);
    expect(bound.body.results[0].results).toEqual([{ v: "_outpost_log" }]);
  });

  it("temporary objects, which would outlive a restore in the connection and fire on a replay, are refused; foreign keys stay on", async () => {
    expect(
      await viaBinding([
        "CREATE TEMP TRIGGER spy AFTER INSERT ON main.t BEGIN INSERT INTO audit VALUES ('twice'); END",
        "CREATE TEMP TABLE scratch (a)",
        "CREATE TEMP VIEW scratch AS SELECT 1",
      ]),
    ).toEqual([{ error: REFUSED }, { error: REFUSED }, { error: REFUSED }]);
    // Foreign keys stay on (the pragma does nothing inside the object's transaction): a replay after a takeover, on a new connection, cascades as the tenant's writes did.
    expect(await viaBinding(["PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys"])).toEqual([{ ok: [] }, { ok: [{ foreign_keys: 1 }] }]);
  });

  it("the database restored to its newest bookmark after all of it is the same: the log still replays", async () => {
    expect(await viaRoute("INSERT INTO t (v) VALUES ('three'); UPDATE t SET v = 'TWO' WHERE id = 2; DELETE FROM t WHERE id = 1")).toEqual({ ok: [] });
    const before = await tenantView();
    expect(before.rows).toEqual({
      ok: [
        { id: 2, v: "TWO" },
        { id: 3, v: "three" },
      ],
    });
    expect(before.audit).toEqual({ ok: [{ what: "one" }, { what: "two" }, { what: "three" }] });
    const { bookmark } = await timeTravel("ledger", "bookmark");
    await timeTravel("ledger", `restore?bookmark=${bookmark}`, "POST");
    expect(await tenantView()).toEqual(before);
  });
});

describe("a tenant filling the log", () => {
  const checksum = "SELECT count(*) AS n, sum(length(c0 || c1 || c2)) AS size, max(c2) AS top, sum(id * length(c1)) AS mix FROM wide";

  /** Its bookmark, then a restore to it: the log after the newest copy shipped and replayed. */
  async function restoredToNow() {
    const started = Date.now();
    const { bookmark } = await timeTravel("ledger", "bookmark");
    const noted = Date.now();
    await timeTravel("ledger", `restore?bookmark=${bookmark}`, "POST");
    return { shipped: noted - started, restored: Date.now() - noted };
  }

  beforeAll(async () => {
    expect(await viaRoute("CREATE TABLE wide (id INTEGER PRIMARY KEY, c0, c1, c2)")).toEqual({ ok: [] });
    for (let from = 0; from < 100_000; from += 25_000) {
      const rows = `WITH RECURSIVE n(i) AS (SELECT ${from + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${from + 25_000})`;
      expect(await viaRoute(`${rows} INSERT INTO wide SELECT i, hex(randomblob(6)), hex(randomblob(4)), i FROM n`)).toEqual({ ok: [] });
    }
    // A copy of the database as seeded: a restore replays the batches after it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
  }, 120_000);

  it("one batch changing every row of the 100,000 commits, ships and restores", { timeout: 120_000 }, async () => {
    const started = Date.now();
    expect(await viaRoute("UPDATE wide SET c0 = lower(c0), c1 = c1 || 'x', c2 = 'v' || id")).toEqual({ ok: [] });
    const updated = Date.now() - started;
    const after = await viaRoute(checksum);
    expect(after.ok?.[0]).toMatchObject({ n: 100_000, top: "v99999" });
    const { shipped, restored } = await restoredToNow();
    expect(await viaRoute(checksum)).toEqual(after);
    console.log(`100,000 rows x 4 columns updated in one batch: ${updated} ms; shipped in ${shipped} ms, restored in ${restored} ms`);
  });
});
