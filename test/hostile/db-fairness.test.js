// Attacks on fair sharing of the database path: a tenant flooding KV writes, large or small, cannot
// hold every database connection of a process, so another tenant's reads of keys in no cache, its
// own large writes and the admin API are answered while the flood is stuck. The flood is made to
// last as long as the test wants: the test holds a lock on the flooder's row, so each of its writes
// that reaches Postgres waits there, holding its connection, as a slow 25 MiB write would (or a
// small write waiting for the tenant's own large write to the same key).
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

/**
 * Runs `during` while the test holds the row lock of the flooder's key `big`: every write of that
 * key waits in Postgres, holding its connection, until `during` has returned.
 * @template T
 * @param {() => Promise<T>} during
 * @returns {Promise<T>}
 */
async function whileFlooderRowLocked(during) {
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
  try {
    await holding;
    return await during();
  } finally {
    release();
    await lock;
  }
}

/**
 * FLOOD_WRITERS writes of the flooder's key at once, `size` bytes each, while the key is locked;
 * the neighbour's calls, the admin API, and whether any flood write answered meanwhile.
 * @param {number} size
 */
async function neighbourDuringStuckFlood(size) {
  let answered = 0;
  /** @type {Promise<{ status: number, text: string }[]>} */
  let flood = Promise.resolve([]);
  const seen = await whileFlooderRowLocked(async () => {
    flood = Promise.all(
      Array.from({ length: FLOOD_WRITERS }, () =>
        call("flooder", `/put?key=big&size=${size}`).finally(() => {
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
    return { reads, ownLarge, readBack, admin, floodAnsweredMeanwhile: answered };
  });
  return { ...seen, flood: await flood };
}

it("database fairness: while one tenant's large writes are stuck, another tenant's cache-missing reads, its large writes and the admin API are answered", async () => {
  expect(await call("flooder", `/put?key=big&size=${LARGE}`)).toMatchObject({ status: 200, text: "stored" });
  const seen = await neighbourDuringStuckFlood(LARGE);

  expect(seen.reads.map((read) => `${read.status} ${read.text}`)).toEqual(Array(20).fill("200 null"));
  expect(seen.ownLarge).toMatchObject({ status: 200, text: "stored" });
  expect(seen.readBack).toMatchObject({ status: 200, text: String(LARGE) });
  expect(seen.admin.status).toBe(200);
  // Everything above was answered while every write of the flood was still waiting.
  expect(seen.floodAnsweredMeanwhile).toBe(0);
  // Once the lock goes, the flooder's writes, which only queued behind each other, all succeed.
  expect(seen.flood.map((write) => `${write.status} ${write.text}`)).toEqual(Array(FLOOD_WRITERS).fill("200 stored"));
}, 60_000);

it("database fairness: while one tenant's small writes are stuck on a row lock, another tenant's calls are not held up behind them", async () => {
  expect(await call("flooder", "/put?key=big&size=10")).toMatchObject({ status: 200, text: "stored" });
  const seen = await neighbourDuringStuckFlood(10);

  expect(seen.reads.map((read) => `${read.status} ${read.text}`)).toEqual(Array(20).fill("200 null"));
  expect(seen.ownLarge).toMatchObject({ status: 200, text: "stored" });
  expect(seen.readBack).toMatchObject({ status: 200, text: String(LARGE) });
  expect(seen.admin.status).toBe(200);
  expect(seen.floodAnsweredMeanwhile).toBe(0);
  expect(seen.flood.map((write) => `${write.status} ${write.text}`)).toEqual(Array(FLOOD_WRITERS).fill("200 stored"));
}, 60_000);
