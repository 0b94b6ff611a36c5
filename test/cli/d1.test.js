// End to end: `outpost d1` as a user types it, against a real platform, and what it writes read
// back through a deployed worker's D1 binding (the project deployed from its wrangler.toml).
import { execFile } from "node:child_process";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "./temp-project.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** A project binding D1 database "notes" as DB. */
let project = "";

const WORKER = `export default {
  async fetch(request, env) {
    return Response.json(await env.DB.prepare("SELECT body FROM notes ORDER BY id").raw());
  },
};
`;

// A dump as sqlite3's .dump writes one, less its BEGIN/COMMIT (D1 refuses those, as Cloudflare does).
const DUMP = `PRAGMA foreign_keys=OFF;
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO notes VALUES(1,'first; with a semicolon');
INSERT INTO notes VALUES(2,'it''s quoted');
CREATE TABLE audit (note INTEGER);
/* a trigger's body has semicolons of its own */
CREATE TRIGGER noted AFTER INSERT ON notes BEGIN
  INSERT INTO audit VALUES (new.id);
  INSERT INTO audit VALUES (CASE WHEN new.id > 2 THEN new.id END);
END;
`;

beforeAll(async () => {
  platform = await startPlatform();
  project = await tempProject({
    "wrangler.toml": `name = "noter"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "notes"\ndatabase_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"\nmigrations_dir = "db/migrations"\n`,
    "src/index.js": WORKER,
    "dump.sql": DUMP,
  });
});
afterAll(async () => {
  await removeTempProjects();
  await platform?.stop();
});

/** Runs the CLI in the project. @param {string[]} args @param {Record<string, string>} [env] */
async function outpost(args, env = {}) {
  const allEnv = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token, ...env };
  return promisify(execFile)(process.execPath, [CLI, ...args], { cwd: project, env: allEnv });
}

/** @param {string[]} args @param {Record<string, string>} [env] @returns {Promise<string>} stderr */
async function outpostFails(args, env) {
  const failure = await outpost(args, env).then(
    () => null,
    (/** @type {{ stderr: string, code: number }} */ error) => error,
  );
  expect(failure?.code).toBe(1);
  return failure?.stderr ?? "";
}

describe("outpost d1", () => {
  it("d1 create, list, info; a second of the same name is refused", async () => {
    expect((await outpost(["d1", "create", "scratch"])).stdout).toContain('[[d1_databases]]\nbinding = "DB"\ndatabase_name = "scratch"');
    expect(JSON.parse((await outpost(["d1", "list", "--json"])).stdout)).toContainEqual(expect.objectContaining({ name: "scratch", tenant: "default" }));
    expect((await outpost(["d1", "list"])).stdout).toMatch(/^name +tenant +database_id +created_at\n-+/);
    expect(await outpostFails(["d1", "create", "scratch"])).toContain("A database with that name already exists: scratch.");
    const info = JSON.parse((await outpost(["d1", "info", "scratch", "--json"])).stdout);
    expect(info).toMatchObject({ name: "scratch", tenant: "default", database_id: null, num_tables: 0 });
    expect(info.file_size).toBeGreaterThan(0);
  });

  it("d1 execute --file: a dump is imported (statements split outside quotes, comments and trigger bodies); the deployed worker reads it", async () => {
    await outpost(["deploy"]);
    const { stderr } = await outpost(["d1", "execute", "notes", "--file", "dump.sql"]);
    expect(stderr).toBe("Executed 6 statements on notes (4 rows read, 7 rows written).\n");
    expect(JSON.parse((await platform.fetchWorker("noter", "/")).text)).toEqual([["first; with a semicolon"], ["it's quoted"]]);
    expect(JSON.parse((await outpost(["d1", "info", "notes", "--json"])).stdout)).toMatchObject({
      database_id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      num_tables: 2,
    });
  });

  it("d1 execute --command: each statement's rows; --json as Cloudflare's API gives them", async () => {
    await outpost(["d1", "execute", "notes", "--command", "INSERT INTO notes (body) VALUES ('third')"]);
    const { stdout } = await outpost([
      "d1",
      "execute",
      "notes",
      "--command",
      "SELECT count(*) AS n FROM audit; SELECT id, body FROM notes WHERE id = 3",
      "--json",
    ]);
    const results = JSON.parse(stdout);
    expect(results.map((/** @type {any} */ r) => r.results)).toEqual([[{ n: 2 }], [{ id: 3, body: "third" }]]);
    expect(results[0]).toMatchObject({ success: true, meta: { served_by: "outpost.db", rows_read: expect.any(Number) } });
    expect((await outpost(["d1", "execute", "notes", "--command", "SELECT id, body FROM notes WHERE id < 3"])).stdout).toBe(
      "id  body\n--  -----------------------\n1   first; with a semicolon\n2   it's quoted\n",
    );
  });

  it("d1 execute: a failing statement is D1's error and rolls back the statements before it", async () => {
    const stderr = await outpostFails(["d1", "execute", "notes", "--command", "DELETE FROM notes; SELECT * FROM nowhere"]);
    expect(stderr).toBe("outpost: ERR_BAD_REQUEST: D1_ERROR: no such table: nowhere: SQLITE_ERROR (statement 2: SELECT * FROM nowhere)\n");
    expect(JSON.parse((await platform.fetchWorker("noter", "/")).text)).toHaveLength(3);
    expect(await outpostFails(["d1", "execute", "notes", "--command=-- nothing"])).toBe("outpost: ERR_BAD_REQUEST: D1_ERROR: No SQL statements detected.\n");
    expect(await outpostFails(["d1", "execute", "notes"])).toBe("outpost: outpost d1 execute takes either --command SQL or --file FILE\n");
  });

  it("d1 delete: refused while a deployed version binds it; an unbound one goes, and one created again is empty", async () => {
    expect(await outpostFails(["d1", "delete", "notes", "-y"])).toContain("D1 database notes is bound by worker noter.");
    await outpost(["d1", "execute", "scratch", "--command", "CREATE TABLE kept (a)"]);
    expect((await outpost(["d1", "delete", "scratch", "-y"])).stdout).toBe("Deleted D1 database 'scratch'.\n");
    expect(await outpostFails(["d1", "info", "scratch"])).toContain("No D1 database named scratch.");
    await outpost(["d1", "create", "scratch"]);
    expect(JSON.parse((await outpost(["d1", "info", "scratch", "--json"])).stdout)).toMatchObject({ num_tables: 0 });
  });

  it("tenant tokens: a tenant's token reaches only its own databases", async () => {
    const { token } = (await platform.admin("POST", "/v1/tokens", { name: "acme", tenant: "acme" })).body;
    const acme = { OUTPOST_ADMIN_TOKEN: token };
    expect(await outpostFails(["d1", "execute", "notes", "--command", "SELECT * FROM notes"], acme)).toContain("No D1 database named notes.");
    expect(await outpostFails(["d1", "list", "--tenant", "default"], acme)).toMatch(/outpost: .*tenant/i);
    await outpost(["d1", "create", "notes"], acme);
    expect(JSON.parse((await outpost(["d1", "list", "--json"], acme)).stdout)).toEqual([expect.objectContaining({ name: "notes", tenant: "acme" })]);
    expect(JSON.parse((await outpost(["d1", "info", "notes", "--json"], acme)).stdout)).toMatchObject({ tenant: "acme", num_tables: 0 });
  });

  it("d1 migrations: create numbers files in migrations_dir; apply runs each with its d1_migrations row, stopping at one that fails with nothing of it kept", async () => {
    const dir = join(project, "db/migrations");
    expect(await outpostFails(["d1", "migrations", "list", "DB"])).toContain(`No migrations present at ${dir}.`);
    expect((await outpost(["d1", "migrations", "create", "DB", "create users"])).stdout).toBe(
      `✅ Successfully created Migration '0001_create_users.sql'!\n\nThe migration is available for editing here\n${join(dir, "0001_create_users.sql")}\n`,
    );
    expect(await readFile(join(dir, "0001_create_users.sql"), "utf8")).toMatch(/^-- Migration number: 0001 \t \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    await outpost(["d1", "migrations", "create", "notes", "bad"]);
    await outpost(["d1", "migrations", "create", "notes", "after"]);
    expect(await readdir(dir)).toEqual(["0001_create_users.sql", "0002_bad.sql", "0003_after.sql"]);
    await writeFile(join(dir, "0001_create_users.sql"), "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('ada')");
    await writeFile(join(dir, "0002_bad.sql"), "CREATE TABLE more (a);\nINSERT INTO nowhere VALUES (1);\n");
    await writeFile(join(dir, "0003_after.sql"), "CREATE TABLE later (a);\n");

    expect((await outpost(["d1", "migrations", "list", "DB", "--local"])).stdout).toBe(
      "Migrations to be applied:\nname\n---------------------\n0001_create_users.sql\n0002_bad.sql\n0003_after.sql\n",
    );
    const failed = await outpost(["d1", "migrations", "apply", "DB", "--remote"]).catch((/** @type {any} */ error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\n✅ 0001_create_users.sql\n❌ 0002_bad.sql\n$/);
    expect(failed.stderr).toBe(
      "Migration 0002_bad.sql failed with the following errors:\noutpost: ERR_BAD_REQUEST: D1_ERROR: no such table: nowhere: SQLITE_ERROR (statement 2: INSERT INTO nowhere VALUES (1))\n",
    );
    const tables = "SELECT name FROM sqlite_master WHERE name IN ('users', 'more', 'later')";
    expect(
      JSON.parse((await outpost(["d1", "execute", "notes", "--command", `${tables}; SELECT id, name FROM d1_migrations`, "--json"])).stdout).map(
        (/** @type {any} */ r) => r.results,
      ),
    ).toEqual([[{ name: "users" }], [{ id: 1, name: "0001_create_users.sql" }]]);

    await writeFile(join(dir, "0002_bad.sql"), "CREATE TABLE more (a);\n-- ends in a comment");
    expect((await outpost(["d1", "migrations", "apply", "notes"])).stdout).toBe(
      "Migrations to be applied:\nname\n--------------\n0002_bad.sql\n0003_after.sql\n✅ 0002_bad.sql\n✅ 0003_after.sql\n",
    );
    expect((await outpost(["d1", "migrations", "list", "DB"])).stdout).toBe("✅ No migrations to apply!\n");
    expect((await outpost(["d1", "migrations", "apply", "DB"])).stdout).toBe("✅ No migrations to apply!\n");
    const applied = JSON.parse((await outpost(["d1", "execute", "notes", "--command", "SELECT * FROM d1_migrations ORDER BY id", "--json"])).stdout)[0].results;
    expect(applied.map((/** @type {any} */ row) => [row.id, row.name])).toEqual([
      [1, "0001_create_users.sql"],
      [2, "0002_bad.sql"],
      [3, "0003_after.sql"],
    ]);
    expect(applied[0].applied_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await outpostFails(["d1", "migrations", "create", "DB"])).toContain("usage: outpost d1");
  });
});
