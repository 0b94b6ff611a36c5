// Attacks on the KV read cache's fairness: one tenant reading many large values cannot push
// another tenant's hot keys out of the cache its process shares with everyone.
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {postgres.Sql} */
let sql;

// /put and /get work on keys `<prefix><from>` … `<prefix><from + count - 1>`; batches stay small
// so no request comes near a per-request subrequest limit.
const PROBE = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const from = Number(url.searchParams.get("from") ?? 0);
    const keys = Array.from({ length: Number(url.searchParams.get("count") ?? 1) }, (_, i) => url.searchParams.get("prefix") + (from + i));
    switch (url.pathname) {
      case "/put": {
        const value = url.searchParams.get("value") ?? "x".repeat(Number(url.searchParams.get("size")));
        await Promise.all(keys.map((key) => env.KV.put(key, value)));
        return new Response("stored");
      }
      case "/get": return Response.json(await Promise.all(keys.map((key) => env.KV.get(key))));
      case "/sizes": return Response.json(await Promise.all(keys.map(async (key) => (await env.KV.get(key, "arrayBuffer"))?.byteLength)));
    }
    return new Response("?", { status: 404 });
  },
};`;

const BATCH = 40;
const LARGE_VALUES = 400; // × 64 KiB, the largest cacheable value: 25 MiB against a 16 MiB cache
const FLOODERS = ["flood-1", "flood-2"]; // one tenant's two workers and namespaces share one share

beforeAll(async () => {
  // One workerd process, so every request meets the same cache.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  const entry = await workerFile(PROBE);
  await platform.deploy("hot", entry, { kv: { KV: "hot-data" }, tenant: "quiet" });
  for (const name of FLOODERS) await platform.deploy(name, entry, { kv: { KV: `${name}-data` }, tenant: "noisy" });
});
afterAll(async () => {
  await sql?.end();
  await platform?.stop();
});

/** @param {string} worker @param {string} path @returns {Promise<any>} */
async function call(worker, path) {
  const response = await platform.fetchWorker(worker, path);
  expect(response.status, response.text).toBe(200);
  return path.startsWith("/put") ? response.text : JSON.parse(response.text);
}

/** Every large value of the noisy tenant, in batches, through both of its workers. */
async function eachLargeBatch(/** @type {(worker: string, from: number) => Promise<void>} */ step) {
  const perWorker = LARGE_VALUES / FLOODERS.length;
  await Promise.all(
    FLOODERS.map(async (worker) => {
      for (let from = 0; from < perWorker; from += BATCH) await step(worker, from);
    }),
  );
}

it("read cache: a tenant reading hundreds of distinct 64 KiB values does not evict another tenant's hot keys", async () => {
  await call("hot", "/put?prefix=hot/&count=3&value=cached");
  await eachLargeBatch((worker, from) => call(worker, `/put?prefix=big/&from=${from}&count=${BATCH}&size=65536`));

  expect(await call("hot", "/get?prefix=hot/&count=3")).toEqual(["cached", "cached", "cached"]);
  // Changed behind the cache's back (no notification): from now on a read that answers "cached"
  // was served by the cache, and one that answers "in postgres" went to the database.
  await sql`UPDATE kv_entries e SET value = ${Buffer.from("in postgres")} FROM kv_namespaces n
            WHERE n.id = e.namespace_id AND n.tenant = 'quiet' AND n.name = 'hot-data'`;
  expect(await call("hot", "/get?prefix=hot/&count=3")).toEqual(["cached", "cached", "cached"]);

  await eachLargeBatch(async (worker, from) => {
    expect(await call(worker, `/sizes?prefix=big/&from=${from}&count=${BATCH}`)).toEqual(Array(BATCH).fill(65536));
  });

  // The cache keeps an entry at most 10 s: from the first read above to here took about 2 s.
  expect(await call("hot", "/get?prefix=hot/&count=3")).toEqual(["cached", "cached", "cached"]);
});
