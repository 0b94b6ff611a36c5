// D1 Time Travel replays a database exactly: a long history of varied changes made with `outpost
// d1 execute` (every SQLite type, the largest integers, a 1.5 MB BLOB, rowid changes, REPLACE and
// UPSERT on a UNIQUE column, a WITHOUT ROWID table, generated columns, AUTOINCREMENT, cascading
// foreign keys, a tenant's own trigger, every ALTER TABLE, DROP TABLE, CREATE TABLE AS SELECT,
// batches mixing schema and data, a batch that fails halfway), with the state noted after many
// steps; then a restore to each noted bookmark, in a scrambled order, gives an `outpost d1 export`
// byte-identical to the one noted there. A restore replays the log from the first copy (the empty
// database) or from the copy a restore takes, one of a table whose rowids have gaps.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
let dir = "";

beforeAll(async () => {
  // No copy on the owner's beat while the test runs: which copy a restore starts from is known.
  platform = await startPlatform({ env: { OUTPOST_OBJECT_SNAPSHOT_SECONDS: "3600" } });
  dir = await mkdtemp(join(tmpdir(), "outpost-fidelity-"));
});
afterAll(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** @param {string[]} args */
const outpost = (args) =>
  promisify(execFile)(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token },
    maxBuffer: 64 * 1024 * 1024,
  });

const DB = "history";
let exports = 0;

/** The database's whole dump, as `outpost d1 export` writes it. */
async function dump() {
  const file = `dump-${++exports}.sql`;
  await outpost(["d1", "export", DB, "--output", file]);
  return readFile(join(dir, file), "utf8");
}

const bookmark = async () => JSON.parse((await outpost(["d1", "time-travel", "info", DB, "--json"])).stdout).bookmark;

/** @param {string} sql */
const execute = (sql) => outpost(["d1", "execute", DB, "--command", sql]);

/** @param {string} at */
const restore = async (at) => JSON.parse((await outpost(["d1", "time-travel", "restore", DB, "--bookmark", at, "--json"])).stdout);

/** The state now: its bookmark and its export. */
const note = async () => ({ bookmark: await bookmark(), dump: await dump() });

/**
 * The history, a batch (one `outpost d1 execute --command`, one transaction) a step; after each
 * step the state is noted.
 */
const STEPS = [
  `CREATE TABLE kinds (id INTEGER PRIMARY KEY AUTOINCREMENT, i INTEGER, r REAL, t TEXT, b BLOB, a, n NUMERIC);
      INSERT INTO kinds (i, r, t, b, a, n) VALUES (9007199254740993, 0.1, 'it''s "quoted" 😀 é ✓ 𝄞', X'00FF10', 9223372036854775807, 1.0);
      INSERT INTO kinds (i, r, t, b, a, n) VALUES (-9223372036854775808, 1e300, '', X'', 1.0, NULL);
      INSERT INTO kinds (i, r, t, b, a, n) VALUES (NULL, 1.0, NULL, zeroblob(1500000), 5, '007');
      INSERT INTO kinds (i, r, t, b, a, n) VALUES (-0, -2.5e-300, 'line
two', NULL, 0.30000000000000004, 12.5);
      CREATE TABLE notes (body TEXT);
      INSERT INTO notes VALUES ('a'), ('b'), ('c'), ('d');
      DELETE FROM notes WHERE body IN ('a', 'c')`,
  `UPDATE notes SET body = 'D' WHERE body = 'd';
      INSERT INTO notes VALUES ('e');
      UPDATE kinds SET i = i + 1, t = t || '!', a = a - 1 WHERE id = 1;
      INSERT INTO kinds (b) VALUES (randomblob(1500000));
      DELETE FROM kinds WHERE id = 2;
      UPDATE kinds SET b = zeroblob(10) WHERE id = 3`,
  `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, visits INTEGER DEFAULT 0);
      CREATE INDEX users_name ON users (name);
      INSERT INTO users (id, email, name) VALUES (1, 'a@x', 'Ann'), (2, 'b@x', 'Bob'), (3, 'c@x', 'Cy');
      UPDATE users SET id = 10 WHERE id = 1;
      INSERT OR REPLACE INTO users (id, email, name) VALUES (4, 'b@x', 'Bobby');
      INSERT INTO users (email, name) VALUES ('c@x', 'Cyrus') ON CONFLICT (email) DO UPDATE SET visits = visits + 1, name = excluded.name;
      INSERT INTO users (email, name) VALUES ('new@x', 'Nia') ON CONFLICT (email) DO UPDATE SET visits = visits + 1;
      REPLACE INTO users (id, email, name) VALUES (10, 'a2@x', 'Ann 2')`,
  `CREATE TABLE stock (shop TEXT, sku INTEGER, qty INTEGER, note TEXT, PRIMARY KEY (shop, sku)) WITHOUT ROWID;
      INSERT INTO stock VALUES ('north', 1, 5, 'x'), ('north', 2, 7, NULL), ('south', 1, 0, 'gone');
      UPDATE stock SET sku = 3, qty = qty + 1 WHERE shop = 'north' AND sku = 2;
      DELETE FROM stock WHERE shop = 'south';
      CREATE TABLE boxes (w REAL, h REAL, area REAL GENERATED ALWAYS AS (w * h) STORED, label TEXT GENERATED ALWAYS AS ('box ' || w) VIRTUAL);
      INSERT INTO boxes (w, h) VALUES (2, 3.5), (0.1, 0.2);
      UPDATE boxes SET w = 4 WHERE rowid = 1`,
  `CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE books (id INTEGER PRIMARY KEY, author INTEGER REFERENCES authors (id) ON DELETE CASCADE ON UPDATE CASCADE, title TEXT);
      INSERT INTO authors VALUES (1, 'Le Guin'), (2, 'Banks');
      INSERT INTO books (author, title) VALUES (1, 'Earthsea'), (1, 'The Dispossessed'), (2, 'Excession');
      UPDATE authors SET id = 7 WHERE id = 1;
      DELETE FROM authors WHERE id = 2`,
  `CREATE TABLE audit (n INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT);
      CREATE TRIGGER users_audit AFTER UPDATE ON users BEGIN INSERT INTO audit (what) VALUES ('user ' || old.id || ': ' || new.name); END;
      UPDATE users SET name = upper(name);
      DELETE FROM audit WHERE n = 1`,
  `ALTER TABLE users ADD COLUMN bio TEXT DEFAULT 'none';
      UPDATE users SET bio = 'hi' WHERE id = 4;
      ALTER TABLE users RENAME COLUMN bio TO about;
      ALTER TABLE stock DROP COLUMN note;
      ALTER TABLE boxes RENAME TO crates;
      INSERT INTO crates (w, h) VALUES (1, 1);
      UPDATE users SET name = 'Nia B' WHERE email = 'new@x'`,
  // Text that says CREATE, ALTER and DROP only inside quotes changes no schema: its rows are
  // logged as they were written, not its text run again (randomblob() and the time differ later).
  `CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, token TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP);
      INSERT INTO events (kind, token) VALUES ('create', hex(randomblob(16)));
      INSERT INTO events (kind, token, at) VALUES ('drop', hex(randomblob(16)), strftime('%f', 'now'));
      INSERT INTO events ("kind", token, at) VALUES ('alter table', random(), julianday('now'));
      UPDATE events SET token = token || hex(randomblob(2)) WHERE kind = 'create' /* drop */`,
  `CREATE TABLE summary AS SELECT author, count(*) AS n FROM books GROUP BY author;
      CREATE INDEX books_title ON books (title);
      CREATE VIEW shouting AS SELECT upper(title) AS title FROM books;
      DROP TABLE notes;
      INSERT INTO crates (w, h) VALUES (3, 3);
      DROP INDEX users_name;
      UPDATE summary SET n = n * 10;
      CREATE TABLE later (v);
      INSERT INTO later SELECT name FROM users`,
  `UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'audit';
      INSERT INTO audit (what) VALUES ('after the jump');
      DELETE FROM books WHERE title = 'Earthsea';
      INSERT INTO kinds (i, t) VALUES (1, 'last')`,
  // AUTOINCREMENT's counter reset by the tenant: no trigger sees sqlite_sequence.
  `DELETE FROM audit WHERE n > 1000;
      UPDATE sqlite_sequence SET seq = 3 WHERE name = 'audit'`,
];

/** Fails halfway (a UNIQUE column), after schema and data changes that must leave no trace. */
const FAILING = `INSERT INTO later VALUES ('doomed');
  CREATE TABLE doomed (a);
  INSERT INTO doomed VALUES (1);
  ALTER TABLE users ADD COLUMN doomed TEXT;
  UPDATE crates SET w = 100;
  INSERT INTO users (id, email) VALUES (4, 'dup@x')`;

it("every noted bookmark, restored in a scrambled order, gives the export noted there, byte for byte", { timeout: 240_000 }, async () => {
  await outpost(["d1", "create", DB]);
  /** @type {{ bookmark: string, dump: string }[]} */
  const noted = [];
  for (const [index, step] of STEPS.entries()) {
    await execute(step);
    noted.push(await note());
    if (index === 8) {
      // A batch that fails halfway changes nothing and logs nothing: the bookmark stays.
      await expect(execute(FAILING)).rejects.toThrow(/UNIQUE constraint failed: users\.id/);
      expect(await note()).toEqual(noted.at(-1));
    }
  }
  expect(new Set(noted.map((point) => point.bookmark)).size).toBe(STEPS.length);
  const last = noted.at(-1);
  expect(last?.dump).toMatch(/^INSERT INTO "kinds" VALUES\(1,9007199254740994,0\.1,'it''s "quoted" 😀 é ✓ 𝄞!',X'00ff10',9223372036854775806,1\);$/m);

  for (const index of [3, 0, 8, 10, 5, 1, 9, 2, 7, 4, 6]) {
    expect((await restore(noted[index]?.bookmark ?? "")).bookmark).toBe(noted[index]?.bookmark);
    expect(await dump(), `the export after restoring to step ${index}`).toBe(noted[index]?.dump);
  }
  await restore(last?.bookmark ?? "");
  expect(await dump()).toBe(last?.dump);

  // A restore whose replay leaves gaps in a table's rowids, then writes that name rows by rowid,
  // replayed from the copy that restore took.
  await execute("CREATE TABLE gaps (v TEXT); INSERT INTO gaps VALUES ('a'), ('b'), ('c'), ('d'); DELETE FROM gaps WHERE v IN ('a', 'c')");
  await restore((await note()).bookmark);
  await execute("UPDATE gaps SET v = 'D' WHERE v = 'd'; INSERT INTO gaps VALUES ('e'); INSERT INTO later VALUES (1e999), (-1e999)");
  const after = await note();
  expect(after.dump).toContain("INSERT INTO \"gaps\" VALUES('b');\nINSERT INTO \"gaps\" VALUES('D');\nINSERT INTO \"gaps\" VALUES('e');\n");
  await restore(after.bookmark);
  expect(await dump()).toBe(after.dump);
});

/** @param {string} sql */
async function meta(sql) {
  const { status, body } = await platform.admin("POST", `/v1/d1/databases/${DB}/query`, { sql });
  expect(status, JSON.stringify(body)).toBe(200);
  const { changes, last_row_id, rows_written } = body.results[0].meta;
  return { changes, last_row_id, rows_written };
}

// The same statements on Miniflare's D1 count the same (test/d1-suite/cases.ts checks both).
it("meta: on the restored database, changes, last_row_id and rows_written count the tenant's rows only", async () => {
  await meta("CREATE TABLE counted (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)");
  // Two rows, each written to the table and to the UNIQUE index.
  expect(await meta("INSERT INTO counted (k, v) VALUES ('a', 'x'), ('b', 'y')")).toEqual({ changes: 2, last_row_id: 2, rows_written: 4 });
  // Each row, the audit row the tenant's trigger writes for it, and the audit table's AUTOINCREMENT counter once.
  expect(await meta("UPDATE users SET visits = visits + 1 WHERE id IN (3, 4)")).toEqual({ changes: 4, last_row_id: 2, rows_written: 5 });
  expect(await meta("DELETE FROM counted WHERE k = 'a'")).toEqual({ changes: 1, last_row_id: 2, rows_written: 1 });
  expect(await meta("INSERT INTO counted (id, k) VALUES (7, 'c')")).toEqual({ changes: 1, last_row_id: 7, rows_written: 2 });
});
