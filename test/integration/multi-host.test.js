// Several hosts on one Postgres: migrations, deploys and the per-host KV read cache.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let first;
/** @type {import("../helpers/platform.js").Platform} */
let second;
/** @type {string} */
let databaseUrl;

const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "PUT") { await env.KV.put(url.pathname, await request.text()); return new Response("stored"); }
    return new Response(await env.KV.get(url.pathname) ?? "(none)");
  },
};`;

// Hosts sharing a database share the master key that encrypts its secrets.
const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");

beforeAll(async () => {
  // Two workerd processes per host, stated: the listener count below depends on it.
  first = await startPlatform({ env: { OUTPOST_MASTER_KEY, OUTPOST_PROCESSES: "2" } });
  databaseUrl = await first.databaseUrl();
  second = await startPlatform({ env: { DATABASE_URL: databaseUrl, OUTPOST_MASTER_KEY, OUTPOST_PROCESSES: "2" } });
  await first.deploy("shared", await workerFile(WORKER), { kv: { KV: "shared" } });
});
afterAll(async () => {
  await second?.stop();
  await first?.stop();
});

/** @param {import("../helpers/platform.js").Platform} host @param {string} path */
const read = async (host, path) => (await host.fetchWorker("shared", path)).text;
/** @param {import("../helpers/platform.js").Platform} host @param {string} path @param {string} value */
const write = (host, path, value) => host.fetchWorker("shared", path, { method: "PUT", body: value });

describe("two hosts, one database", () => {
  it("deploy: a worker deployed through one host is served by the other", async () => {
    expect(await read(second, "/nothing")).toBe("(none)");
  });

  it("cache: a write on one host is seen by the other host's next reads", async () => {
    await write(first, "/k", "1");
    for (let i = 0; i < 5; i++) expect(await read(second, "/k")).toBe("1"); // now cached on the second host
    await write(first, "/k", "2");
    // Postgres delivers the change notification at commit, to each process of the second host on
    // its own connection: allow it a moment to arrive everywhere (reads land on either process).
    let fresh = 0;
    await waitUntil(async () => ((fresh = (await read(second, "/k")) === "2" ? fresh + 1 : 0), fresh >= 6), 2000);
    for (let i = 0; i < 5; i++) expect(await read(second, "/k")).toBe("2");
  });

  it("domains: a domain reassigned through one host stops serving the old tenant's route on the other", async () => {
    expect((await first.admin("PUT", "/v1/domains/moved.example", { tenant: "old-owner" })).status).toBe(201);
    await first.deploy("old-site", await workerFile(`export default { fetch() { return new Response("old"); } };`), {
      tenant: "old-owner",
      routes: ["moved.example/*"],
    });
    const status = async () => (await httpRequest(second.port, "moved.example", "/")).status;
    await waitUntil(async () => (await status()) === 200, 1000);
    expect((await first.admin("PUT", "/v1/domains/moved.example", { tenant: "new-owner" })).status).toBe(201);
    // Within the notification's delivery, well before the second host's 1 s routing refresh.
    await waitUntil(async () => (await status()) === 404, 500);
  });

  it("cache: reads on the writing host see the write at once", async () => {
    for (const value of ["a", "b", "c", "d"]) {
      await write(second, "/mine", value);
      expect(await read(second, "/mine")).toBe(value);
    }
  });

  it("cache: when the notification connection is killed, no stale value is served", async () => {
    await write(first, "/fragile", "old");
    for (let i = 0; i < 3; i++) expect(await read(second, "/fragile")).toBe("old");
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      // The probation processes' listeners start with their first lease beat: wait for all six.
      const listening = async () =>
        (await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND application_name <> 'outpost-scheduler'`)[0]?.n;
      await waitUntil(async () => (await listening()) === 6, 10_000);
      const killed = await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND application_name <> 'outpost-scheduler'`;
      // One listener per workerd process: two pool processes per host and the probation process,
      // whose Database object the lease beat starts (runner/owners).
      expect(killed.length).toBe(6);
      // A write that no listener hears while the connections are down:
      await sql`WITH changed AS (UPDATE kv_entries SET value = convert_to('new', 'UTF8') WHERE key = convert_to('/fragile', 'UTF8') RETURNING 1) SELECT 1 FROM changed`;
    } finally {
      await sql.end();
    }
    await waitUntil(async () => (await read(second, "/fragile")) === "new", 1000);
    for (let i = 0; i < 3; i++) expect(await read(second, "/fragile")).toBe("new");
  });

  it("start: hosts starting at once on a new database apply each migration exactly once and agree on one data key", async () => {
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await admin`CREATE DATABASE fresh`;
    await admin.end();
    const freshUrl = databaseUrl.replace(/\/outpost$/, "/fresh");
    const hosts = await Promise.all([0, 1, 2].map(() => startPlatform({ env: { DATABASE_URL: freshUrl, OUTPOST_MASTER_KEY } })));
    try {
      const sql = postgres(freshUrl, { max: 1, onnotice: () => {} });
      const rows = await sql`SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name`;
      const keys = await sql`SELECT version FROM secret_keys`;
      await sql.end();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.n).toBe(1);
      const migrated = hosts.filter((host) =>
        host.events().some((event) => event.src === "outpost" && event.msg.startsWith("applied migrations: 0001_init.sql")),
      );
      expect(migrated).toHaveLength(1);
      expect(keys).toEqual([{ version: 1 }]);
    } finally {
      await Promise.all(hosts.map((host) => host.stop()));
    }
  });
});

describe("propagation", () => {
  it("propagation: deploys and rollbacks through either host are served by both within a second", async () => {
    const { bundleWorker } = await import("../../cli/bundle.js");
    const v1 = await bundleWorker(await workerFile(`export default { fetch() { return new Response("one"); } };`));
    const v2 = await bundleWorker(await workerFile(`export default { fetch() { return new Response("two"); } };`));
    /** @param {string} text */
    const bothServe = (text) =>
      waitUntil(async () => (await first.fetchWorker("prop")).text === text && (await second.fetchWorker("prop")).text === text, 1000);
    await first.admin("PUT", "/v1/workers/prop", v1);
    await bothServe("one");
    await second.admin("PUT", "/v1/workers/prop", v2);
    await bothServe("two");
    await first.admin("POST", "/v1/workers/prop/rollback");
    await bothServe("one");
    await second.admin("POST", "/v1/workers/prop/rollback", { version: (await second.admin("GET", "/v1/workers/prop/versions")).body.versions[1].id });
    await bothServe("two");
  });

  it("propagation: a worker created, then deleted, through one host is served, then 404, on the other within the notification's delivery", async () => {
    const { bundleWorker } = await import("../../cli/bundle.js");
    const newcomer = await bundleWorker(await workerFile(`export default { fetch() { return new Response("new"); } };`));
    // The second host has just read its routing, the set of worker names included: it is fresh.
    expect((await second.fetchWorker("newcomer")).status).toBe(404);
    expect((await first.admin("PUT", "/v1/workers/newcomer", newcomer)).status).toBe(201);
    // Well before the second host's 1 s routing refresh; then every process of it serves the name.
    await waitUntil(async () => (await second.fetchWorker("newcomer")).text === "new", 500);
    for (let i = 0; i < 4; i++) expect((await second.fetchWorker("newcomer")).text).toBe("new");
    expect((await first.admin("DELETE", "/v1/workers/newcomer")).status).toBe(204);
    await waitUntil(async () => (await second.fetchWorker("newcomer")).status === 404, 500);
    for (let i = 0; i < 4; i++) expect((await second.fetchWorker("newcomer")).status).toBe(404);
  });
});

describe("warm-up", () => {
  it("warm-up: after a deploy both hosts load the new version before its first request, without calling any handler", async () => {
    // The module's top level records when the isolate was loaded; fetch counts its calls.
    const source = `const loadedAt = Date.now(); let calls = 0;
      export default { fetch() { calls++; return Response.json({ loadedAt, calls }); } };`;
    const deployed = Date.now();
    await first.deploy("warmed", await workerFile(source));
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const host of [first, second]) {
      const asked = Date.now();
      const { loadedAt, calls } = JSON.parse((await host.fetchWorker("warmed")).text);
      expect(calls).toBe(1);
      expect(loadedAt).toBeGreaterThanOrEqual(deployed - 5);
      // Loaded at deploy time (on the second host, when the change notification came), not on request.
      expect(loadedAt).toBeLessThan(asked - 200);
    }
  });
});
