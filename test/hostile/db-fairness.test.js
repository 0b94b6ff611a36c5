// Attacks on fair sharing of the database path: a tenant flooding large KV writes cannot hold every
// database connection of a process, so another tenant's reads of keys in no cache, its own large
// writes and the admin API are answered while the flood is stuck. The flood is made to last as
// long as the test wants: the test holds a lock on the flooder's row, so each of its writes that
// reaches Postgres waits there, holding its connection, as a slow 25 MiB write would.
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {postgres.Sql} */
let sql;

const PROBE = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key") ?? crypto.randomUUID();
    if (url.pathname === "/put") {
      await env.KV.put(key, "x".repeat(Number(url.searchParams.get("size"))));
      return new Response("stored");
    }
    const value = await env.KV.get(key);
    return new Response(value === null ? "null" : String(value.length));
  },
};`;

/** Large enough for the large lane (runner/db/database.ts), small enough to be quick. */
const LARGE = 100 * 1024;
const FLOOD_WRITERS = 8;

beforeAll(async () => {
  // One workerd process: every call meets the same Database object and its connections.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  sql = postgres(await platform.databaseUrl(), { max: 2, onnotice: () => {} });
  const entry = await workerFile(PROBE);
  await platform.deploy("flooder", entry, { kv: { KV: "flood" }, tenant: "noisy" });
  await platform.deploy("neighbour", entry, { kv: { KV: "quiet" }, tenant: "quiet" });
});
afterAll(async () => {
  await sql?.end();
  await platform?.stop();
});

/** @param {string} worker @param {string} path */
const call = (worker, path) => platform.fetchWorker(worker, path);

it("database fairness: while one tenant's large writes are stuck, another tenant's cache-missing reads, its large writes and the admin API are answered", async () => {
  expect(await call("flooder", `/put?key=big&size=${LARGE}`)).toMatchObject({ status: 200, text: "stored" });

  /** @type {() => void} */
  let release = () => {};
  const released = new Promise((resolve) => (release = () => resolve(undefined)));
  /** @type {() => void} */
  let locked = () => {};
  const holding = new Promise((resolve) => (locked = () => resolve(undefined)));
  const lock = sql.begin(async (tx) => {
    await tx`SELECT 1 FROM kv_entries e JOIN kv_namespaces n ON n.id = e.namespace_id
             WHERE n.tenant = 'noisy' AND n.name = 'flood' AND e.key = ${Buffer.from("big")} FOR UPDATE OF e`;
    locked();
    await released;
  });
  let flood = Promise.resolve(/** @type {{ status: number, text: string }[]} */ ([]));
  try {
    await holding;
    let answered = 0;
    flood = Promise.all(
      Array.from({ length: FLOOD_WRITERS }, () =>
        call("flooder", `/put?key=big&size=${LARGE}`).finally(() => {
          answered++;
        }),
      ),
    );
    // The flood has reached Postgres: a write of the flooder waits on the lock, holding a connection.
    await waitUntil(async () => (await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)[0]?.n >= 1, 10_000);

    const reads = await Promise.all(Array.from({ length: 20 }, () => call("neighbour", "/get")));
    const ownLarge = await call("neighbour", `/put?key=mine&size=${LARGE}`);
    const readBack = await call("neighbour", "/get?key=mine");
    const admin = await platform.admin("GET", "/v1/workers");
    const floodAnsweredMeanwhile = answered;

    expect(reads.map((read) => `${read.status} ${read.text}`)).toEqual(Array(20).fill("200 null"));
    expect(ownLarge).toMatchObject({ status: 200, text: "stored" });
    expect(readBack).toMatchObject({ status: 200, text: String(LARGE) });
    expect(admin.status).toBe(200);
    // Everything above was answered while every write of the flood was still waiting.
    expect(floodAnsweredMeanwhile).toBe(0);
  } finally {
    release();
    await lock;
  }
  // Once the lock goes, the flooder's writes, which only queued behind each other, all succeed.
  expect((await flood).map((write) => `${write.status} ${write.text}`)).toEqual(Array(FLOOD_WRITERS).fill("200 stored"));
}, 60_000);
