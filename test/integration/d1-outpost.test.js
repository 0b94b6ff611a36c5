// D1 on Outpost beyond the shared suite (test/d1-suite): what only a real platform shows.
// The default pool: each database has one owner (runner/owners), which the other processes
// forward to (test/integration/d1-owners.test.js tests the ownership itself).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { ownersDb } from "../helpers/owners.js";
import { workerdProcesses } from "../helpers/processes.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// Runs the JSON body's statement (with `bind`) on env.DB and answers what `first()` gave.
const WORKER = `export default {
  async fetch(request, env) {
    const { sql, bind = [] } = await request.json();
    try {
      return Response.json({ result: await env.DB.prepare(sql).bind(...bind).first() });
    } catch (error) {
      return Response.json({ error: error.message });
    }
  },
};`;

/** @param {string} worker @param {string} sql @param {unknown[]} [bind] */
async function first(worker, sql, bind = []) {
  const response = await platform.fetchWorker(worker, "/", { method: "POST", body: JSON.stringify({ sql, bind }) });
  return JSON.parse(response.text);
}

beforeAll(async () => {
  platform = await startPlatform();
  await platform.deploy("d1x", await workerFile(WORKER), { d1: { DB: { databaseName: "d1x", databaseId: "6f0c4a52-1b1e-4c61-9f43-7b2f1c7b3a10" } } });
});
afterAll(() => platform?.stop());

describe("binding", () => {
  it("first: a statement runs end to end", async () => {
    expect(await first("d1x", "select 1 as x")).toEqual({ result: { x: 1 } });
  });

  it("tables persist across calls", async () => {
    await first("d1x", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    await first("d1x", "INSERT INTO notes (body) VALUES (?)", ["hello"]);
    expect(await first("d1x", "SELECT body FROM notes WHERE id = 1")).toEqual({ result: { body: "hello" } });
  });

  it("two bindings may name one database: both see the same tables", async () => {
    const TWO = `export default { async fetch(request, env) {
      await env.A.exec("CREATE TABLE IF NOT EXISTS shared (v TEXT);\\nINSERT INTO shared VALUES ('via A');");
      return Response.json(await env.B.prepare("SELECT v FROM shared").raw());
    } };`;
    await platform.deploy("d1two", await workerFile(TWO), { d1: { A: { databaseName: "one" }, B: { databaseName: "one", databaseId: "abc" } } });
    expect(JSON.parse((await platform.fetchWorker("d1two", "/")).text)).toEqual([["via A"]]);
  });

  it("limits: a call of over 32 MiB is refused before it travels, and changes nothing", async () => {
    const BIG = `export default { async fetch(request, env) {
      const value = "x".repeat(4 * 1024 * 1024);
      const insert = env.DB.prepare("INSERT INTO notes (body) VALUES (?)");
      try { await env.DB.batch(Array.from({ length: 9 }, () => insert.bind(value))); return new Response("stored"); }
      catch (error) { return new Response(error.message); }
    } };`;
    await platform.deploy("d1big", await workerFile(BIG), { d1: { DB: { databaseName: "d1x" } } });
    expect((await platform.fetchWorker("d1big", "/")).text).toBe(
      "D1_ERROR: too much SQL in one call: statements and bound values over 33554432 bytes: SQLITE_TOOBIG",
    );
    expect(await first("d1x", "SELECT count(*) AS n FROM notes")).toEqual({ result: { n: 1 } });
  });

  it("database_id: recorded with the database", async () => {
    const { body } = await platform.admin("GET", "/v1/d1/databases/d1x");
    expect(body).toMatchObject({ name: "d1x", tenant: "default", database_id: "6f0c4a52-1b1e-4c61-9f43-7b2f1c7b3a10" });
  });
});

describe("durability on one disk", () => {
  it("kill -9: every acknowledged write is there when the owner's slot serves again", async () => {
    await first("d1x", "CREATE TABLE acked (n INTEGER)");
    for (let n = 1; n <= 50; n++) expect(await first("d1x", "INSERT INTO acked VALUES (?) RETURNING n", [n])).toEqual({ result: { n } });
    const db = ownersDb(await platform.databaseUrl());
    const owner = await db.owner(await db.databaseId("d1x"));
    await db.close();
    const victim = workerdProcesses(platform.dataDir).find((p) => p.privatePort === owner?.port);
    process.kill(/** @type {number} */ (victim?.pid), "SIGKILL");
    await waitUntil(async () => {
      const replaced = !workerdProcesses(platform.dataDir).some((p) => p.pid === victim?.pid);
      return replaced && (await first("d1x", "SELECT count(*) AS n FROM acked").catch(() => null))?.result?.n === 50;
    }, 30_000);
  });

  it("reload: writes while `outpost reload` replaces the process all answer and are kept", async () => {
    const pid = Number(await readFile(join(platform.dataDir, "outpost.pid"), "utf8"));
    const reloads = () => platform.events().filter((event) => event.msg === "reload done").length;
    const before = reloads();
    process.kill(pid, "SIGHUP");
    let written = 0;
    while (reloads() === before) {
      expect(await first("d1x", "INSERT INTO acked VALUES (?) RETURNING n", [1000 + written])).toEqual({ result: { n: 1000 + written } });
      written++;
    }
    expect(await first("d1x", "SELECT count(*) AS n FROM acked WHERE n >= 1000")).toEqual({ result: { n: written } });
    await first("d1x", "DELETE FROM acked WHERE n >= 1000");
    expect(platform.logs()).not.toMatch(/SQLITE_BUSY/);
  });

  it("restart: the tables are there after outpost stops and starts again", async () => {
    await platform.stop({ keepData: true });
    platform = await startPlatform({ dataDir: platform.dataDir });
    expect(await first("d1x", "SELECT body FROM notes WHERE id = 1")).toEqual({ result: { body: "hello" } });
    expect(await first("d1x", "SELECT sum(n) AS total FROM acked")).toEqual({ result: { total: 1275 } });
  });
});
