// One owner per D1 database, however many processes and hosts serve it (runner/owners): the owner
// runs every call, others forward theirs to it; a killed owner's slot takes over from its own
// files, a paused one fences itself off, a reload hands databases over, another host forwards.
// A seat that lost its files, and another host taking over, restore a copy (d1-snapshots.test.js).
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, waitUntil } from "../helpers/platform.js";
import { ownerCall, ownersDb } from "../helpers/owners.js";
import { workerdProcesses } from "../helpers/processes.js";

const LEASE_SECONDS = 3;
const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {ReturnType<typeof ownersDb>} */
let db;
/** @type {string} */
let id;

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "2", OUTPOST_MASTER_KEY, OUTPOST_OWNER_LEASE_SECONDS: String(LEASE_SECONDS) } });
  db = ownersDb(await platform.databaseUrl());
  expect((await platform.admin("POST", "/v1/d1/databases", { name: "counter" })).status).toBe(201);
  id = await db.databaseId("counter");
  expect((await platform.admin("POST", "/v1/d1/databases/counter/query", { sql: "CREATE TABLE hits (id INTEGER PRIMARY KEY, via TEXT)" })).status).toBe(200);
});
afterAll(async () => {
  await db?.close();
  await platform?.stop();
});

const pooled = () => workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);

/**
 * SQL on the database through one process's private port (the admin API, as the supervisor reaches it).
 * @returns {Promise<{ status: number, body: any }>}
 */
async function sqlAt(/** @type {number} */ port, /** @type {string} */ sql, /** @type {unknown[]} */ params = []) {
  const response = await fetch(`http://127.0.0.1:${port}/v1/d1/databases/counter/query`, {
    method: "POST",
    headers: { authorization: `Bearer ${platform.token}`, "content-type": "application/json" },
    body: JSON.stringify({ sql, params }),
  });
  return { status: response.status, body: await response.json() };
}

const countAt = async (/** @type {number} */ port) => (await sqlAt(port, "SELECT count(*) AS n FROM hits")).body.results?.[0].results[0].n;
/** Through the admin socket: whichever process accepts it. */
const count = async () =>
  (await platform.admin("POST", "/v1/d1/databases/counter/query", { sql: "SELECT count(*) AS n FROM hits" })).body.results?.[0].results[0].n;

/** The seats of this host holding a D1 database's SQLite file. */
function seatsWithFiles() {
  const objects = join(platform.dataDir, "objects");
  const [host] = readdirSync(objects);
  return readdirSync(join(objects, host ?? "")).filter((seat) => {
    const dir = join(objects, host ?? "", seat, "outpost-d1");
    try {
      // Each seat has the namespace's metadata.sqlite; a database's file is named by its object's id.
      return readdirSync(dir).some((file) => file.endsWith(".sqlite") && file !== "metadata.sqlite");
    } catch {
      return false;
    }
  });
}

describe("two processes", () => {
  it("single writer: writes through both processes land in one database, and both count them all", async () => {
    const processes = pooled();
    expect(processes).toHaveLength(2);
    for (const { privatePort } of processes) {
      for (let i = 0; i < 10; i++) expect((await sqlAt(privatePort, "INSERT INTO hits (via) VALUES (?)", [String(privatePort)])).status).toBe(200);
    }
    for (const { privatePort } of processes) expect(await countAt(privatePort)).toBe(20);
    expect(seatsWithFiles()).toHaveLength(1);
    const owner = await db.owner(id);
    expect(owner?.live).toBe(true);
    expect(processes.map((proc) => proc.privatePort)).toContain(owner?.port);
  });

  it("forwarding: a call at the process that is not the owner runs at the owner, which keeps the database", async () => {
    const before = await db.owner(id);
    const other = pooled().find((proc) => proc.privatePort !== before?.port);
    expect((await sqlAt(other?.privatePort ?? 0, "INSERT INTO hits (via) VALUES ('forwarded')")).status).toBe(200);
    expect(await countAt(other?.privatePort ?? 0)).toBe(21);
    const after = await db.owner(id);
    expect(after).toMatchObject({ generation: before?.generation, boot: before?.boot });
  });

  it("fencing: a paused owner acknowledges no call after its lease, and the others say why they cannot serve", async () => {
    const owner = await db.owner(id);
    const pid = pooled().find((proc) => proc.privatePort === owner?.port)?.pid ?? 0;
    const other = pooled().find((proc) => proc.pid !== pid);
    process.kill(pid, "SIGSTOP");
    try {
      // Queued in the paused process's socket: it reads it only when it runs again, after its lease.
      const late = ownerCall({
        port: owner?.port ?? 0,
        masterKey: OUTPOST_MASTER_KEY,
        id,
        generation: owner?.generation ?? 0,
        method: "query",
        args: [[{ sql: "INSERT INTO hits (via) VALUES ('late')", params: [] }]],
      });
      await waitUntil(async () => (await db.owner(id))?.live === false, (LEASE_SECONDS + 2) * 1000);
      // Its files are in the paused process's seat: the other process refuses to serve a copy.
      const refused = await sqlAt(other?.privatePort ?? 0, "SELECT count(*) AS n FROM hits");
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain("Database unavailable: its files are in slot-");
      process.kill(pid, "SIGCONT");
      const answer = await late;
      expect(answer.status).toBe(409);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect(await countAt(other?.privatePort ?? 0)).toBe(21);
    // It serves again, at a new generation.
    expect((await db.owner(id))?.generation).toBeGreaterThan(owner?.generation ?? 0);
  });

  it("takeover: after kill -9 of the owner, its slot's next process serves the same data within lease + 2 s", async () => {
    const owner = await db.owner(id);
    const victim = pooled().find((proc) => proc.privatePort === owner?.port);
    process.kill(victim?.pid ?? 0, "SIGKILL");
    const killedAt = Date.now();
    await waitUntil(async () => (await count().catch(() => null)) === 21, 30_000);
    const tookMs = Date.now() - killedAt;
    const after = await db.owner(id);
    expect(after).toMatchObject({ seat: owner?.seat, live: true });
    expect(after?.boot).not.toBe(owner?.boot);
    expect(tookMs).toBeLessThan((LEASE_SECONDS + 2) * 1000);
  });

  it("reload: `outpost reload` hands the database over, every acknowledged write kept and none refused", async () => {
    await waitUntil(() => pooled().length === 2, 20_000);
    const before = await count();
    const owner = await db.owner(id);
    let stop = false;
    let written = 0;
    /** @type {unknown[]} */
    const failures = [];
    const writer = (async () => {
      while (!stop) {
        // A connection per write (httpRequest): a pooled one that a retiring process closed would fail
        // before reaching any runner, which is not what this test asks.
        const answer = await httpRequest(platform.adminPort, "127.0.0.1", "/v1/d1/databases/counter/query", {
          method: "POST",
          headers: { authorization: `Bearer ${platform.token}`, "content-type": "application/json" },
          body: JSON.stringify({ sql: "INSERT INTO hits (via) VALUES ('reload')" }),
        });
        if (answer.status === 200) written++;
        else failures.push(answer.text);
      }
    })();
    const pid = Number(readFileSync(join(platform.dataDir, "outpost.pid"), "utf8"));
    const reloads = platform.events().filter((event) => event.msg === "reload done").length;
    process.kill(pid, "SIGHUP");
    await waitUntil(() => platform.events().filter((event) => event.msg === "reload done").length > reloads, 90_000);
    stop = true;
    await writer;
    expect(failures).toEqual([]);
    expect(written).toBeGreaterThan(0);
    expect(await count()).toBe(before + written);
    // Released by the old process of its slot and taken by the new one, at once rather than after the lease.
    const after = await db.owner(id);
    expect(after).toMatchObject({ seat: owner?.seat, live: true });
    expect(after?.generation).toBeGreaterThan(owner?.generation ?? 0);
    expect(platform.events().filter((event) => event.msg?.startsWith("stopped serving"))).toHaveLength(1); // the paused owner's, only
  });
});

describe("two hosts", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let second;
  beforeAll(async () => {
    second = await startPlatform({
      env: { DATABASE_URL: await platform.databaseUrl(), OUTPOST_MASTER_KEY, OUTPOST_PROCESSES: "2", OUTPOST_OWNER_LEASE_SECONDS: String(LEASE_SECONDS) },
    });
  });
  afterAll(() => second?.stop());

  it("forwarding: a database written on one host is read and written through the other, and stays on the first", async () => {
    const owner = await db.owner(id);
    const through = (/** @type {string} */ sql) => second.admin("POST", "/v1/d1/databases/counter/query", { sql });
    const total = await count();
    expect((await through("SELECT count(*) AS n FROM hits")).body.results[0].results[0].n).toBe(total);
    expect((await through("INSERT INTO hits (via) VALUES ('second host')")).status).toBe(200);
    expect(await count()).toBe(total + 1);
    expect((await db.owner(id))?.host).toBe(owner?.host);
  });
  it("delete: a deleted database's object is emptied by its owner and forgotten, so no seat takes it again", async () => {
    expect((await second.admin("POST", "/v1/d1/databases", { name: "gone" })).status).toBe(201);
    const goneId = await db.databaseId("gone");
    expect((await platform.admin("POST", "/v1/d1/databases/gone/query", { sql: "CREATE TABLE t (x)" })).status).toBe(200);
    expect(await db.owner(goneId)).toMatchObject({ live: true });
    expect((await second.admin("DELETE", "/v1/d1/databases/gone")).status).toBe(204);
    expect(await db.owner(goneId)).toBeNull();
  });
});
