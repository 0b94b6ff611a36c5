// The D1 behaviour suite: written once against Cloudflare's D1Database API and run twice, on
// Miniflare's D1 (the reference) and on Outpost's binding (test/integration/d1-suite.test.js).
// Every case uses tables of its own, so cases never see each other's rows. Where Outpost differs
// on purpose (meta.served_by, a failed exec() line, the call size bound) the case checks what
// both share; docs/bindings/d1.md lists the differences.
import assert from "node:assert/strict";
import { D1_LIMITS } from "../../runner/d1/constants.ts";

type Case = (db: D1Database) => Promise<void>;

async function rejects(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.message, message);
    assert.equal(error.name, "Error");
    return true;
  });
}

const columns = (count: number, type = "") => Array.from({ length: count }, (_, i) => `c${i}${type}`).join(", ");
const marks = (count: number) => Array.from({ length: count }, () => "?").join(", ");
const META_KEYS = ["served_by", "duration", "changes", "last_row_id", "changed_db", "size_after", "rows_read", "rows_written"];

export const d1Cases: Record<string, Case> = {
  "first: the first row as an object": async (db) => {
    await db.exec("CREATE TABLE first_rows (id INTEGER PRIMARY KEY, name TEXT);");
    await db.prepare("INSERT INTO first_rows (name) VALUES (?), (?)").bind("ada", "bob").run();
    assert.deepEqual(await db.prepare("SELECT * FROM first_rows ORDER BY id").first(), { id: 1, name: "ada" });
  },

  "first: a column's value, and null without rows": async (db) => {
    assert.equal(await db.prepare("SELECT 42 AS answer").first("answer"), 42);
    assert.equal(await db.prepare("SELECT 1 AS x WHERE 0").first(), null);
    assert.equal(await db.prepare("SELECT 1 AS x WHERE 0").first("missing"), null);
  },

  "first: a column the row lacks is D1_COLUMN_NOTFOUND": async (db) => {
    await rejects(db.prepare("SELECT 1 AS x").first("y"), "D1_COLUMN_NOTFOUND: Column not found (y)");
  },

  "all: results and meta": async (db) => {
    await db.exec("CREATE TABLE all_rows (id INTEGER PRIMARY KEY, n REAL);");
    await db.prepare("INSERT INTO all_rows (n) VALUES (1.5), (2.5)").run();
    const result = await db.prepare("SELECT id, n FROM all_rows ORDER BY id").all();
    assert.equal(result.success, true);
    assert.deepEqual(result.results, [
      { id: 1, n: 1.5 },
      { id: 2, n: 2.5 },
    ]);
    assert.deepEqual(Object.keys(result.meta), META_KEYS);
    assert.equal(typeof result.meta.served_by, "string");
    assert.equal(result.meta.changes, 0);
    assert.equal(result.meta.changed_db, false);
    assert.equal(result.meta.rows_read, 2);
    assert.equal(result.meta.rows_written, 0);
  },

  "run: changes, last_row_id and rows written": async (db) => {
    await db.exec("CREATE TABLE run_rows (id INTEGER PRIMARY KEY, a TEXT);");
    const result = await db.prepare("INSERT INTO run_rows (a) VALUES ('x'), ('y')").run();
    assert.equal(result.success, true);
    assert.deepEqual(result.results, []);
    assert.equal(result.meta.changes, 2);
    assert.equal(result.meta.last_row_id, 2);
    assert.equal(result.meta.changed_db, true);
    assert.equal(result.meta.rows_written, 2);
    assert.ok(result.meta.size_after > 0);
  },

  "run: changes and rows written count indexes, triggers, upserts, replaces and cascades": async (db) => {
    await db.batch([
      db.prepare("CREATE TABLE counted (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)"),
      db.prepare("CREATE TABLE counted_audit (n INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT)"),
      db.prepare("CREATE TRIGGER counted_log AFTER UPDATE ON counted BEGIN INSERT INTO counted_audit (what) VALUES (new.v); END"),
      db.prepare("CREATE TABLE counted_child (parent INTEGER REFERENCES counted (id) ON DELETE CASCADE)"),
    ]);
    const counts = async (sql: string) => {
      const { meta } = await db.prepare(sql).run();
      return [meta.changes, meta.last_row_id, meta.rows_written];
    };
    assert.deepEqual(
      [
        await counts("INSERT INTO counted (k, v) VALUES ('a', 'x'), ('b', 'y')"),
        await counts("UPDATE counted SET v = 'z'"),
        await counts("INSERT INTO counted (k, v) VALUES ('a', 'u') ON CONFLICT (k) DO UPDATE SET v = excluded.v"),
        await counts("INSERT OR REPLACE INTO counted (id, k, v) VALUES (9, 'b', 'w')"),
        await counts("INSERT INTO counted_child VALUES (1), (1), (9)"),
        await counts("DELETE FROM counted WHERE k = 'a'"),
      ],
      // Miniflare's: a row's write and one to each index it changes; a trigger's rows, and its
      // table's AUTOINCREMENT counter once; an upsert that updates says the last row inserted
      // before it; a REPLACE counts its insert only; the cascade's deletes count.
      [
        [2, 2, 4],
        [4, 2, 5],
        [2, 2, 3],
        [1, 9, 2],
        [3, 3, 3],
        [3, 3, 3],
      ],
    );
  },

  "raw: rows as arrays, with the column names first when asked": async (db) => {
    const statement = db.prepare("SELECT 1 AS a, 'two' AS b UNION ALL SELECT 3, 'four'");
    assert.deepEqual(await statement.raw(), [
      [1, "two"],
      [3, "four"],
    ]);
    assert.deepEqual(await statement.raw({ columnNames: true }), [
      ["a", "b"],
      [1, "two"],
      [3, "four"],
    ]);
    assert.deepEqual(await db.prepare("SELECT 1 AS a WHERE 0").raw(), []);
  },

  "raw: duplicate column names stay apart; objects keep the last": async (db) => {
    assert.deepEqual(await db.prepare("SELECT 1 AS a, 2 AS a").raw(), [[1, 2]]);
    assert.deepEqual(await db.prepare("SELECT 1 AS a, 2 AS a").first(), { a: 2 });
  },

  "bind: strings, numbers and null keep their SQLite types": async (db) => {
    const row = await db.prepare("SELECT ? AS s, typeof(?) AS ts, ? AS n, typeof(?) AS tn, ? AS z").bind("1", "1", 7, 7, null).first();
    assert.deepEqual(row, { s: "1", ts: "text", n: 7, tn: "real", z: null });
  },

  "bind: booleans are 1 and 0": async (db) => {
    assert.deepEqual(await db.prepare("SELECT ? AS t, ? AS f").bind(true, false).first(), { t: 1, f: 0 });
  },

  "bind: numbers that are not finite are null": async (db) => {
    assert.deepEqual(await db.prepare("SELECT ? AS a, ? AS b").bind(Number.NaN, Number.POSITIVE_INFINITY).first(), { a: null, b: null });
  },

  "bind: buffers, views and byte arrays are BLOBs, read back as byte arrays": async (db) => {
    await db.exec("CREATE TABLE blobs (b BLOB);");
    await db.batch([
      db.prepare("INSERT INTO blobs VALUES (?)").bind(new Uint8Array([1, 2, 255]).buffer),
      db.prepare("INSERT INTO blobs VALUES (?)").bind(new Uint8Array([3])),
      db.prepare("INSERT INTO blobs VALUES (?)").bind([4, 5]),
    ]);
    assert.deepEqual(
      await db
        .prepare("SELECT b, typeof(b) AS t FROM blobs ORDER BY rowid")
        .all()
        .then((r) => r.results),
      [
        { b: [1, 2, 255], t: "blob" },
        { b: [3], t: "blob" },
        { b: [4, 5], t: "blob" },
      ],
    );
    assert.deepEqual(await db.prepare("SELECT x'00ff' AS b").raw(), [[[0, 255]]]);
  },

  "bind: numbered and named parameters": async (db) => {
    assert.deepEqual(await db.prepare("SELECT ?2 AS a, ?1 AS b").bind("one", "two").first(), { a: "two", b: "one" });
    assert.deepEqual(await db.prepare("SELECT :x AS a").bind("named").first(), { a: "named" });
  },

  "bind: statement keeps its values; bind() returns a new statement": async (db) => {
    const unbound = db.prepare("SELECT ? AS v");
    const bound = unbound.bind(1);
    assert.ok(bound !== unbound);
    assert.equal(await bound.first("v"), 1);
    assert.equal(await unbound.bind(2).first("v"), 2);
  },

  "bind: undefined, bigint, plain objects and dates are D1_TYPE_ERROR": async (db) => {
    const statement = db.prepare("SELECT ? AS v");
    assert.throws(() => statement.bind(undefined), { message: "D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'" });
    assert.throws(() => statement.bind(1n), { message: "D1_TYPE_ERROR: Type 'bigint' not supported for value '1'" });
    assert.throws(() => statement.bind({}), { message: "D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'" });
    assert.throws(() => statement.bind([1, 300]), { message: "D1_TYPE_ERROR: Type 'object' not supported for value '1,300'" });
  },

  "bind: the wrong number of values is D1_ERROR": async (db) => {
    await rejects(db.prepare("SELECT ? AS a, ? AS b").bind(1).first(), "D1_ERROR: Wrong number of parameter bindings for SQL query.");
    await rejects(db.prepare("SELECT ? AS a").bind(1, 2).first(), "D1_ERROR: Wrong number of parameter bindings for SQL query.");
  },

  "errors: SQLite's message after D1_ERROR, the cause without it": async (db) => {
    await rejects(db.prepare("SELEC 1").all(), 'D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR');
    await assert.rejects(db.prepare("SELECT * FROM no_such_table").all(), (error: Error) => {
      assert.equal(error.message, "D1_ERROR: no such table: no_such_table: SQLITE_ERROR");
      assert.equal((error.cause as Error).message, "no such table: no_such_table: SQLITE_ERROR");
      return true;
    });
  },

  "errors: a constraint failure changes nothing": async (db) => {
    await db.exec("CREATE TABLE unique_rows (k TEXT PRIMARY KEY);");
    await db.prepare("INSERT INTO unique_rows VALUES ('a')").run();
    await rejects(
      db.prepare("INSERT INTO unique_rows VALUES ('b'), ('a')").run(),
      "D1_ERROR: UNIQUE constraint failed: unique_rows.k: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)",
    );
    assert.equal(await db.prepare("SELECT count(*) AS n FROM unique_rows").first("n"), 1);
  },

  "prepare: empty SQL is refused": async (db) => {
    await rejects(db.prepare("").all(), "D1_ERROR: No SQL statements detected.");
    await rejects(db.prepare("-- only a comment").all(), "D1_ERROR: SQL code did not contain a statement.");
  },

  "prepare: several statements run, the last one's rows come back": async (db) => {
    await db.exec("CREATE TABLE multi (a);");
    assert.deepEqual(
      await db
        .prepare("INSERT INTO multi VALUES (1); SELECT count(*) AS n FROM multi")
        .all()
        .then((r) => r.results),
      [{ n: 1 }],
    );
  },

  "batch: one result per statement, in order": async (db) => {
    await db.exec("CREATE TABLE batch_rows (id INTEGER PRIMARY KEY, v TEXT);");
    const results = await db.batch([
      db.prepare("INSERT INTO batch_rows (v) VALUES (?)").bind("a"),
      db.prepare("INSERT INTO batch_rows (v) VALUES (?)").bind("b"),
      db.prepare("SELECT v FROM batch_rows ORDER BY id"),
    ]);
    assert.equal(results.length, 3);
    assert.equal(results[0]!.meta.last_row_id, 1);
    assert.equal(results[1]!.meta.last_row_id, 2);
    assert.deepEqual(results[2]!.results, [{ v: "a" }, { v: "b" }]);
  },

  "batch: atomic, a failing statement rolls back the ones before it": async (db) => {
    await db.exec("CREATE TABLE batch_atomic (v TEXT);");
    await rejects(
      db.batch([db.prepare("INSERT INTO batch_atomic VALUES ('kept?')"), db.prepare("INSERT INTO no_such_table VALUES (1)")]),
      "D1_ERROR: no such table: no_such_table: SQLITE_ERROR",
    );
    assert.equal(await db.prepare("SELECT count(*) AS n FROM batch_atomic").first("n"), 0);
  },

  "batch: an empty batch is refused": async (db) => {
    await rejects(db.batch([]), "D1_ERROR: No SQL statements detected.");
  },

  "exec: one statement per line, counted": async (db) => {
    const result = await db.exec("CREATE TABLE exec_rows (a);\nINSERT INTO exec_rows VALUES (1);\nINSERT INTO exec_rows VALUES (2);");
    assert.equal(result.count, 3);
    assert.equal(typeof result.duration, "number");
    assert.equal(await db.prepare("SELECT count(*) AS n FROM exec_rows").first("n"), 2);
  },

  "exec: blank and indented comment lines are skipped": async (db) => {
    assert.equal((await db.exec("CREATE TABLE exec_blank (a);\n\n  -- a comment\nINSERT INTO exec_blank VALUES (1);")).count, 2);
  },

  "exec: a failing line is D1_EXEC_ERROR and changes nothing": async (db) => {
    await rejects(
      db.exec("INSERT INTO no_such_table VALUES (1);\nCREATE TABLE exec_never (a);"),
      "D1_EXEC_ERROR: Error in line 1: INSERT INTO no_such_table VALUES (1);: no such table: no_such_table: SQLITE_ERROR",
    );
    await rejects(db.exec(""), "D1_EXEC_ERROR: Error in line 1: : No SQL statements detected.");
    assert.equal(await db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'exec_never'").first("n"), 0);
  },

  "withSession: no bookmark before the first query, one after": async (db) => {
    const session = db.withSession();
    assert.equal(session.getBookmark(), null);
    assert.deepEqual(await session.prepare("SELECT 1 AS a").first(), { a: 1 });
    assert.equal(typeof session.getBookmark(), "string");
    assert.equal(db.withSession("first-primary").getBookmark(), null);
  },

  "withSession: bookmarks only move forward": async (db) => {
    await db.exec("CREATE TABLE session_rows (a);");
    const session = db.withSession("first-primary");
    await session.prepare("SELECT 1").run();
    const before = session.getBookmark()!;
    await session.batch([session.prepare("INSERT INTO session_rows VALUES (1)")]);
    const after = session.getBookmark()!;
    assert.ok(before.localeCompare(after) < 0, `${before} before ${after}`);
    const resumed = db.withSession(after);
    assert.equal(resumed.getBookmark(), after);
    assert.equal(await resumed.prepare("SELECT count(*) AS n FROM session_rows").first("n"), 1);
  },

  "dump: refused as by Miniflare's D1": async (db) => {
    await rejects(db.dump(), "D1_DUMP_ERROR: Status + 404");
  },

  "limits: 100 bound parameters, not 101": async (db) => {
    const max = D1_LIMITS.MAX_BOUND_PARAMETERS;
    const values = Array.from({ length: max + 1 }, (_, i) => i);
    assert.equal(
      (
        await db
          .prepare(`SELECT ${marks(max)}`)
          .bind(...values.slice(0, max))
          .raw()
      )[0]!.length,
      max,
    );
    await assert.rejects(
      db
        .prepare(`SELECT ${marks(max + 1)}`)
        .bind(...values)
        .raw(),
      /^Error: D1_ERROR: too many SQL variables at offset \d+: SQLITE_ERROR$/,
    );
  },

  "limits: 100 columns per table, not 101": async (db) => {
    const max = D1_LIMITS.MAX_COLUMNS;
    assert.equal((await db.prepare(`CREATE TABLE wide_ok (${columns(max)})`).run()).success, true);
    await rejects(db.prepare(`CREATE TABLE wide_refused (${columns(max + 1)})`).run(), "D1_ERROR: too many columns on wide_refused: SQLITE_ERROR");
  },

  "limits: statements of 100,000 bytes, not more": async (db) => {
    const padding = (bytes: number) => "x".repeat(bytes - "SELECT '' AS x".length);
    assert.equal((await db.prepare(`SELECT '${padding(D1_LIMITS.MAX_STATEMENT_BYTES)}' AS x`).first<string>("x"))!.length, D1_LIMITS.MAX_STATEMENT_BYTES - 14);
    await rejects(db.prepare(`SELECT '${padding(D1_LIMITS.MAX_STATEMENT_BYTES + 1)}' AS x`).first("x"), "D1_ERROR: statement too long: SQLITE_TOOBIG");
  },

  "limits: values and rows over the size limit are refused": async (db) => {
    await db.exec("CREATE TABLE big_rows (a);");
    const tooBig = "x".repeat(D1_LIMITS.MAX_VALUE_BYTES + 500_000);
    await rejects(db.prepare("INSERT INTO big_rows VALUES (?)").bind(tooBig).run(), "D1_ERROR: string or blob too big: SQLITE_TOOBIG");
    await rejects(db.prepare(`SELECT zeroblob(${D1_LIMITS.MAX_VALUE_BYTES + 1_000_000}) AS b`).first(), "D1_ERROR: string or blob too big: SQLITE_TOOBIG");
    assert.equal(await db.prepare("SELECT count(*) AS n FROM big_rows").first("n"), 0);
  },

  "refused: _cf_ tables": async (db) => {
    // A session's bookmark has the object write its _cf_METADATA table.
    await db.withSession().prepare("SELECT 1").run();
    await rejects(db.prepare("CREATE TABLE _cf_mine (a)").run(), "D1_ERROR: not authorized: SQLITE_AUTH");
    await rejects(db.prepare("SELECT * FROM _cf_METADATA").all(), "D1_ERROR: access to _cf_METADATA.key is prohibited: SQLITE_AUTH");
  },

  "refused: ATTACH, DETACH and PRAGMAs that write": async (db) => {
    await rejects(db.prepare("ATTACH DATABASE '/tmp/other.sqlite' AS other").run(), "D1_ERROR: not authorized: SQLITE_AUTH");
    await rejects(db.prepare("DETACH DATABASE main").run(), "D1_ERROR: not authorized: SQLITE_AUTH");
    await rejects(db.prepare("PRAGMA journal_mode = DELETE").run(), "D1_ERROR: not authorized: SQLITE_AUTH");
    await rejects(db.prepare("PRAGMA writable_schema = 1").run(), "D1_ERROR: not authorized: SQLITE_AUTH");
    assert.deepEqual(await db.prepare("PRAGMA foreign_keys").first(), { foreign_keys: 1 });
  },

  "refused: transactions in SQL (batch() is the transaction)": async (db) => {
    await assert.rejects(db.prepare("BEGIN TRANSACTION").run(), /^Error: D1_ERROR: To execute a transaction, please use the state\.storage\.transaction\(\)/);
  },
};
