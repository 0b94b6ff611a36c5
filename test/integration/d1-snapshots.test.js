// A D1 database's copies and write log in the blob store (runner/owners/snapshots.ts, logs.ts): a
// graceful release takes a final copy, which a seat that lost its files restores; a host that is
// killed loses only the commits its log had not shipped yet, another host restoring its newest copy
// and the log after it; a stale owner's copy or log is never published.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil } from "../helpers/platform.js";
import { ownersDb } from "../helpers/owners.js";
import { descendants, workerdProcesses } from "../helpers/processes.js";
import { SNAPSHOT_SQL } from "../../runner/owners/snapshot-sql.ts";
import { LOG_SQL } from "../../runner/owners/log-sql.ts";

const LEASE_SECONDS = 3;
const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");
/** One process per host; the first host copies only at a release (its interval is longer than the tests). */
const hostEnv = { OUTPOST_PROCESSES: "1", OUTPOST_MASTER_KEY, OUTPOST_OWNER_LEASE_SECONDS: String(LEASE_SECONDS) };

/** @type {import("../helpers/platform.js").Platform} */
let first;
/** @type {ReturnType<typeof ownersDb>} */
let db;

const startFirst = (/** @type {string | undefined} */ dataDir) =>
  startPlatform({ ...(dataDir ? { dataDir } : {}), env: { ...hostEnv, OUTPOST_OBJECT_SNAPSHOT_SECONDS: "600" } });

beforeAll(async () => {
  first = await startFirst(undefined);
  db = ownersDb(await first.databaseUrl());
});
afterAll(async () => {
  await db?.close();
  await first?.stop();
});

/** @returns {Promise<{ status: number, body: any }>} */
const sqlOn = (/** @type {import("../helpers/platform.js").Platform} */ host, /** @type {string} */ name, /** @type {string} */ sql) =>
  host.admin("POST", `/v1/d1/databases/${name}/query`, { sql });
const rowsOf = async (/** @type {import("../helpers/platform.js").Platform} */ host, /** @type {string} */ name) =>
  (await sqlOn(host, name, "SELECT x FROM t ORDER BY x")).body.results?.[0].results.map((/** @type {{ x: number }} */ row) => row.x);
const hostIdOf = (/** @type {import("../helpers/platform.js").Platform} */ host) => readFileSync(join(host.dataDir, "host-id"), "utf8").trim();

/**
 * A host sharing the first's Postgres and blob store, as hosts on S3 do (its blob directory is the
 * first's), copying its changed databases every `snapshotSeconds`.
 */
async function anotherHost(/** @type {string} */ snapshotSeconds) {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-test-"));
  mkdirSync(join(first.dataDir, "blobs"), { recursive: true });
  symlinkSync(join(first.dataDir, "blobs"), join(dataDir, "blobs"));
  return startPlatform({ dataDir, env: { ...hostEnv, DATABASE_URL: await first.databaseUrl(), OUTPOST_OBJECT_SNAPSHOT_SECONDS: snapshotSeconds } });
}

async function created(/** @type {import("../helpers/platform.js").Platform} */ host, /** @type {string} */ name, /** @type {number} */ rows) {
  expect((await host.admin("POST", "/v1/d1/databases", { name })).status).toBe(201);
  expect((await sqlOn(host, name, "CREATE TABLE t (x INTEGER PRIMARY KEY, note TEXT)")).status).toBe(200);
  for (let x = 1; x <= rows; x++) expect((await sqlOn(host, name, `INSERT INTO t VALUES (${x}, 'row ${x}')`)).status).toBe(200);
  return db.databaseId(name);
}

describe("one host", () => {
  it("final copy: a reload copies the database as it hands it over, and a seat that lost its files restores that copy", async () => {
    const id = await created(first, "kept", 3);
    // A trigger is restored after the rows: restoring does not fire it again.
    expect(
      (await sqlOn(first, "kept", "CREATE TABLE audit (x); CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.x); END")).status,
    ).toBe(200);
    expect((await sqlOn(first, "kept", "INSERT INTO t VALUES (4, 'row 4')")).status).toBe(200);
    // Before its first take, a new database's newest copy is the empty database.
    expect(await db.snapshot(id)).toMatchObject({ generation: 0, size: 0, blob: null });
    const owner = await db.owner(id);
    const pid = Number(readFileSync(join(first.dataDir, "outpost.pid"), "utf8"));
    const reloads = first.events().filter((event) => event.msg === "reload done").length;
    process.kill(pid, "SIGHUP");
    await waitUntil(() => first.events().filter((event) => event.msg === "reload done").length > reloads, 90_000);
    const copy = await db.snapshot(id);
    expect(copy).toMatchObject({ generation: owner?.generation });
    expect(copy?.size).toBeGreaterThan(0);
    expect(copy?.blob).toMatch(new RegExp(`^snapshot-d1-${id}-g${owner?.generation}-[0-9a-f]{32}$`));
    // A copy is its statements, one JSON string a line.
    const statements = readFileSync(join(first.dataDir, "blobs", copy?.blob ?? ""), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(statements).toContain("INSERT INTO \"t\" VALUES(4,'row 4');");

    await db.close();
    await first.stop({ keepData: true });
    rmSync(join(first.dataDir, "objects", hostIdOf(first), owner?.seat ?? ""), { recursive: true, force: true });
    first = await startFirst(first.dataDir);
    db = ownersDb(await first.databaseUrl());
    expect(await rowsOf(first, "kept")).toEqual([1, 2, 3, 4]);
    expect((await sqlOn(first, "kept", "SELECT x FROM audit")).body.results[0].results).toEqual([{ x: 4 }]);
    expect((await sqlOn(first, "kept", "INSERT INTO t VALUES (5, 'row 5')")).status).toBe(200);
    expect((await sqlOn(first, "kept", "SELECT count(*) AS n FROM audit")).body.results[0].results).toEqual([{ n: 2 }]);
    const after = await db.owner(id);
    expect(after).toMatchObject({ seat: owner?.seat, live: true });
    // The reload's copy, or the stop's if it was published before the stop's Postgres went.
    const restored = await db.snapshot(id);
    expect(restored?.generation).toBeGreaterThanOrEqual(copy?.generation ?? Infinity);
    // The seat records the generation it took the database at and the copy's it restored.
    const record = readFileSync(join(first.dataDir, "objects", hostIdOf(first), after?.seat ?? "", "owners", `d1.${id}`), "utf8");
    expect(record).toBe(`${after?.generation} restored ${restored?.generation}`);
    expect(first.logs()).toContain(`from its snapshot of generation ${restored?.generation}`);
  });
});

describe("two hosts", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let second;
  beforeAll(async () => {
    second = await anotherHost("1");
  });
  afterAll(() => second?.stop());

  it("takeover: after its host is killed, another host serves the database from its newest copy", async () => {
    const id = await created(second, "moving", 5);
    expect((await sqlOn(second, "moving", "CREATE INDEX t_note ON t (note)")).status).toBe(200);
    const unsavedId = await created(second, "unsaved", 2);
    const owner = await db.owner(id);
    expect(owner?.host).toBe(hostIdOf(second));
    // Copied within the interval of its last change, at the generation its owner holds.
    const copied = async (/** @type {string} */ databaseId, /** @type {string} */ lastRow) => {
      const copy = await db.snapshot(databaseId);
      if (!copy?.blob || copy.generation !== owner?.generation) return false;
      return readFileSync(join(first.dataDir, "blobs", copy.blob), "utf8").includes(lastRow);
    };
    await waitUntil(async () => (await copied(id, "t_note")) && (await copied(unsavedId, "'row 2'")), 15_000);
    // A change that leaves the file's size and the row counters as they were is copied too.
    expect((await sqlOn(second, "moving", "ALTER TABLE t RENAME COLUMN note TO remark")).status).toBe(200);
    await waitUntil(async () => {
      const copy = await db.snapshot(id);
      return readFileSync(join(first.dataDir, "blobs", copy?.blob ?? ""), "utf8").includes("remark");
    }, 10_000);
    // A virtual table cannot be written out: its copies fail, and its newest copy is marked stale.
    const searchId = await created(second, "searchable", 1);
    expect((await sqlOn(second, "searchable", "CREATE VIRTUAL TABLE docs USING fts5(body)")).status).toBe(200);
    await waitUntil(async () => (await db.snapshot(searchId))?.failingSince instanceof Date, 15_000);
    // As if it had been held before copies were taken: nothing says what it held.
    await db.unsafe(`DELETE FROM object_snapshots WHERE kind = 'd1' AND object_id = $1`, [unsavedId]);

    // The whole host at once: `outpost start`, its pool supervisor and its workerd processes.
    const start = Number(readFileSync(join(second.dataDir, "outpost.pid"), "utf8"));
    for (const pid of [start, ...descendants(start)]) process.kill(pid, "SIGKILL");
    await waitUntil(() => workerdProcesses(second.dataDir).length === 0, 5000);
    /** @type {Set<string>} */
    const refusals = new Set();
    await waitUntil(async () => {
      const answer = await sqlOn(first, "moving", "SELECT x FROM t ORDER BY x");
      if (answer.status !== 200) refusals.add(answer.body.error?.message);
      return answer.status === 200;
    }, 30_000);
    // Once the lease ran out, it waited one lease more (a crashed process's slot takes it back within it, losing nothing).
    expect(refusals).toContain(
      `D1_ERROR: Database unavailable: its owner host ${hostIdOf(second)} does not renew its lease; another host restores its newest snapshot once that lease has been over for ${LEASE_SECONDS} s.`,
    );
    expect(await rowsOf(first, "moving")).toEqual([1, 2, 3, 4, 5]);
    expect(await db.owner(id)).toMatchObject({ host: hostIdOf(first), live: true });
    expect((await sqlOn(first, "moving", "INSERT INTO t VALUES (6, 'after')")).status).toBe(200);

    const refused = await sqlOn(first, "unsaved", "SELECT x FROM t");
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("D1_ERROR: Database unavailable: its owner was on another host, and no snapshot of it is in the blob store.");
    expect((await db.owner(unsavedId))?.host).toBe(hostIdOf(second));

    // Its stale copy is not served: the writes since it would be lost without a word.
    const stale = await sqlOn(first, "searchable", "SELECT x FROM t");
    expect(stale.status).toBe(400);
    expect(stale.body.error.message).toMatch(
      /^D1_ERROR: Database unavailable: its owner was on another host, and its newest snapshot is stale: its owner could not take one since \d{4}-\d\d-\d\dT[\d:.]+Z \(.+\)\.$/,
    );
    expect((await db.owner(searchId))?.host).toBe(hostIdOf(second));
  });

  it("fencing: a copy from a stale generation is never published, nor one by a process that does not own it", async () => {
    const id = await db.databaseId("moving");
    const owner = await db.owner(id);
    const newest = await db.snapshot(id);
    /** @param {number} generation @param {string} boot */
    // At the newest copy's position: a copy of the same commits, so the one it replaces is not kept for time travel.
    const publish = async (generation, boot) =>
      (await db.unsafe(SNAPSHOT_SQL.publish, ["d1", id, generation, boot, Date.now(), 1, `snapshot-d1-${id}-g${generation}-test`, newest?.position, false]))[0];
    // The killed host's process, at the generation it held.
    expect(await publish((owner?.generation ?? 0) - 1, "a-lost-boot")).toMatchObject({ published: 0, replaced: null });
    // The owner's boot, at an older generation than it holds.
    expect(await publish((owner?.generation ?? 0) - 1, owner?.boot ?? "")).toMatchObject({ published: 0, replaced: null });
    expect(await db.snapshot(id)).toEqual(newest);
    // The owner at its generation publishes over it (its own copy, taken at its next release, replaces this one).
    expect(await publish(owner?.generation ?? 0, owner?.boot ?? "")).toMatchObject({ published: 1, replaced: newest?.blob });
  });
});

describe("a host lost between two copies", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let third;
  beforeAll(async () => {
    // It takes no copy in the test's time: what another host restores beyond the empty copy is its log.
    third = await anotherHost("86400");
  });
  afterAll(() => third?.stop());

  /** The text of the database's shipped log. @param {string} id */
  const shippedLog = async (id) => {
    const segments = await db.unsafe(`SELECT blob FROM object_log_segments WHERE kind = 'd1' AND object_id = $1 ORDER BY first_seq`, [id]);
    return segments.map((segment) => readFileSync(join(first.dataDir, "blobs", String(segment.blob)), "utf8")).join("\n");
  };

  it("takeover: after its host is killed, another host serves every commit its log shipped, though no copy holds them", async () => {
    const id = await created(third, "logged", 3);
    expect((await sqlOn(third, "logged", "UPDATE t SET note = 'changed' WHERE x = 2")).status).toBe(200);
    // Shipped within a beat or two of each commit.
    await waitUntil(async () => (await shippedLog(id)).includes('"changed"'), 10_000);
    expect(await db.snapshot(id)).toMatchObject({ blob: null, position: 0 });
    const lost = await db.owner(id);

    const start = Number(readFileSync(join(third.dataDir, "outpost.pid"), "utf8"));
    for (const pid of [start, ...descendants(start)]) process.kill(pid, "SIGKILL");
    await waitUntil(() => workerdProcesses(third.dataDir).length === 0, 5000);
    await waitUntil(async () => (await sqlOn(first, "logged", "SELECT x FROM t")).status === 200, 30_000);
    const rows = await sqlOn(first, "logged", "SELECT x, note FROM t ORDER BY x");
    expect(rows.body.results[0].results).toEqual([
      { x: 1, note: "row 1" },
      { x: 2, note: "changed" },
      { x: 3, note: "row 3" },
    ]);
    expect(await db.owner(id)).toMatchObject({ host: hostIdOf(first), live: true });
    // It goes on from there: its next commits are logged after the ones it replayed.
    expect((await sqlOn(first, "logged", "INSERT INTO t VALUES (4, 'after')")).status).toBe(200);
    await waitUntil(async () => (await shippedLog(id)).includes('"after"'), 10_000);

    // The lost host's process cannot publish a segment any more, at its generation or as a newer one.
    const publish = async (/** @type {number} */ generation, /** @type {string} */ boot, /** @type {number} */ firstSeq) =>
      (await db.unsafe(LOG_SQL.publish, ["d1", id, generation, boot, firstSeq, firstSeq, Date.now(), Date.now(), 2, `log-d1-${id}-test-${generation}`]))[0];
    expect(await publish(lost?.generation ?? 0, lost?.boot ?? "", 1_000_000)).toEqual({ published: 0 });
    expect(await publish((lost?.generation ?? 0) + 5, lost?.boot ?? "", 1_000_000)).toEqual({ published: 0 });
    // Nor may the owner publish rows at or before a published segment's.
    const owner = await db.owner(id);
    expect(await publish(owner?.generation ?? 0, owner?.boot ?? "", 1)).toEqual({ published: 0 });
  });
});
