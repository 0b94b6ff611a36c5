// `outpost d1 export` and the route behind it: a database exported and imported back into an
// empty one with `outpost d1 execute --file` holds exactly what the first held, every value with
// its type, across pages of the export route.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "../cli/temp-project.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
let dir = "";

// Every kind of value a dump must keep: BLOBs (one empty), NULLs, quotes, newlines and CRs,
// unicode beyond the BMP, REALs that look like integers, the largest integers, values and rows
// too long for one statement (D1 takes 100,000 bytes), an AUTOINCREMENT table (sqlite_sequence),
// a WITHOUT ROWID table, and an index, a trigger and a view made after the data.
const SOURCE = [
  "CREATE TABLE kinds (id INTEGER PRIMARY KEY AUTOINCREMENT, t TEXT, b BLOB, r REAL, i INTEGER, n NUMERIC, any)",
  "INSERT INTO kinds (t, b, r, i, n, any) VALUES ('it''s \"quoted\"; -- not a comment', X'00FF10', 1.0, 9223372036854775807, NULL, 0.1)",
  "INSERT INTO kinds (t, b, r, i, n, any) VALUES ('line one\nline two\r\nthree', X'', -0.0, -9223372036854775808, 12.5, '42')",
  "INSERT INTO kinds (t, b, r, i, n, any) VALUES ('unicode: é ✓ 😀 𝄞', NULL, 1e300, 0, '007', X'DEADBEEF')",
  "INSERT INTO kinds (t, b, r, i, n, any) VALUES (NULL, NULL, NULL, NULL, NULL, NULL)",
  "DELETE FROM kinds WHERE id = 4",
  "INSERT INTO kinds (t, b, any) VALUES (replace(hex(randomblob(100000)), 'A', '€''😀'), randomblob(1400000), randomblob(70000))",
  "INSERT INTO kinds (b) VALUES (randomblob(1900000))",
  "INSERT INTO kinds (b) VALUES (randomblob(1900000))",
  'CREATE TABLE "odd ""name""" (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID',
  "INSERT INTO \"odd \"\"name\"\"\" VALUES ('a''b', randomblob(300000)), ('plain', NULL)",
  "CREATE INDEX kinds_t ON kinds (t)",
  "CREATE TABLE audit (kind INTEGER)",
  "CREATE TRIGGER kinds_audit AFTER INSERT ON kinds BEGIN INSERT INTO audit VALUES (new.id); END",
  "CREATE VIEW big AS SELECT id, length(b) AS size FROM kinds WHERE length(b) > 1000",
].join(";\n");

/** @param {string[]} args */
const outpost = (args) =>
  promisify(execFile)(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token },
    maxBuffer: 64 * 1024 * 1024,
  });

/** @param {string} database @param {string} sql */
async function query(database, sql) {
  const { status, body } = await platform.admin("POST", `/v1/d1/databases/${database}/query`, { sql });
  expect(status).toBe(200);
  return body.results.map((/** @type {{ results: unknown[] }} */ result) => result.results);
}

beforeAll(async () => {
  platform = await startPlatform();
  dir = await tempProject({ "wrangler.toml": 'name = "exporter"\n' });
  for (const name of ["source", "copy", "partial"]) expect((await platform.admin("POST", "/v1/d1/databases", { name })).status).toBe(201);
  await query("source", SOURCE);
});
afterAll(async () => {
  await removeTempProjects();
  await platform?.stop();
});

describe("d1 export", () => {
  it("a dump imported into an empty database with execute --file holds the same: its own dump is byte-identical", async () => {
    expect((await outpost(["d1", "export", "source", "--output", "source.sql"])).stdout).toBe("🌀 Exporting SQL to source.sql...\nDone!\n");
    const dump = await readFile(join(dir, "source.sql"), "utf8");
    expect(dump.startsWith("PRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE kinds")).toBe(true);
    expect(dump.split("\n").every((line) => Buffer.byteLength(line) < 100_000 || !line.startsWith("INSERT"))).toBe(true);
    await outpost(["d1", "execute", "copy", "--file", "source.sql"]);
    await outpost(["d1", "export", "copy", "--output", "copy.sql"]);
    expect(await readFile(join(dir, "copy.sql"), "utf8")).toBe(dump);

    const types = "SELECT id, typeof(t), typeof(b), typeof(r), typeof(i), typeof(n), typeof(any), t, r, i, n FROM kinds WHERE id < 5 ORDER BY id";
    const ends = "SELECT id, length(t), length(b), hex(substr(b, 1399990, 20)), hex(substr(any, 69990)), substr(t, -20) FROM kinds ORDER BY id";
    for (const sql of [
      types,
      ends,
      "SELECT id FROM kinds WHERE b = (SELECT b FROM kinds WHERE id = 6)",
      'SELECT k, hex(v) FROM "odd ""name"""',
      "SELECT * FROM sqlite_sequence",
      "SELECT * FROM big",
    ]) {
      expect(await query("copy", sql)).toEqual(await query("source", sql));
    }
    expect((await query("copy", "SELECT r FROM kinds WHERE id = 1"))[0]).toEqual([{ r: 1 }]);
    expect((await query("copy", "SELECT typeof(r) AS r FROM kinds WHERE id = 1"))[0]).toEqual([{ r: "real" }]);
    // The trigger came after the rows (audit is empty) and works in the copy.
    expect(await query("copy", "SELECT count(*) AS n FROM audit; INSERT INTO kinds (t) VALUES ('new'); SELECT kind FROM audit")).toEqual([
      [{ n: 0 }],
      [],
      [{ kind: 8 }],
    ]);
  });

  it("the route answers in pages of about 4 MiB: a cursor until the last", async () => {
    const pages = [];
    let cursor = null;
    do {
      const { status, body } = await platform.admin("GET", `/v1/d1/databases/source/export${cursor === null ? "" : `?cursor=${cursor}`}`);
      expect(status).toBe(200);
      pages.push(body.sql);
      cursor = body.cursor;
    } while (cursor !== null);
    expect(pages.length).toBeGreaterThan(1);
    expect(Math.max(...pages.map((page) => page.length))).toBeLessThan(16 * 1024 * 1024);
    expect(pages.join("")).toBe(await readFile(join(dir, "source.sql"), "utf8"));
  });

  it("--no-data, --no-schema and --table, as wrangler has them", async () => {
    await outpost(["d1", "export", "source", "--output", "schema.sql", "--no-data"]);
    const schema = await readFile(join(dir, "schema.sql"), "utf8");
    expect(schema).not.toMatch(/^INSERT/m);
    expect(schema).toContain("CREATE TRIGGER kinds_audit");
    await outpost(["d1", "export", "source", "--output", "audit.sql", "--table", "audit", "--table", "kinds", "--no-schema"]);
    const data = await readFile(join(dir, "audit.sql"), "utf8");
    expect(data).not.toMatch(/CREATE|odd/);
    expect(data).toContain("INSERT INTO \"kinds\" VALUES(1,'it''s \"quoted\"; -- not a comment',X'00ff10',1.0,9223372036854775807,NULL,0.1);");
    await outpost(["d1", "execute", "partial", "--file", "schema.sql"]);
    expect(await query("partial", "SELECT count(*) AS n FROM kinds")).toEqual([[{ n: 0 }]]);
    const both = await outpost(["d1", "export", "source", "--output", "x.sql", "--no-data", "--no-schema"]).catch((error) => error);
    expect(both.stderr).toContain("You cannot specify both --no-schema and --no-data");
    const { status, body } = await platform.admin("GET", "/v1/d1/databases/source/export?cursor=nonsense");
    expect({ status, body }).toEqual({ status: 400, body: { error: { code: "ERR_BAD_REQUEST", message: "cursor is not one this route gave." } } });
  });
});
