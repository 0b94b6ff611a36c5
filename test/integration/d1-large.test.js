// A D1 database larger than one RPC call may carry (32 MiB): its copy is taken and read out in
// pieces, its write log shipped in pieces (one transaction larger than a piece too), and a
// time-travel restore stages it in pieces and replays it in one transaction, the process answering
// its watchdog throughout (the default 1 s stall limit).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, waitUntil } from "../helpers/platform.js";
import { ownersDb } from "../helpers/owners.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {ReturnType<typeof ownersDb>} */
let db;

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_OBJECT_SNAPSHOT_SECONDS: "1" } });
  db = ownersDb(await platform.databaseUrl());
});
afterAll(async () => {
  await db?.close();
  await platform?.stop();
});

/** @param {string} sql */
async function query(sql) {
  const { status, body } = await platform.admin("POST", "/v1/d1/databases/big/query", { sql });
  expect(body.error).toBeUndefined();
  expect(status).toBe(200);
  return body.results.at(-1).results;
}

it("a 40 MB database: copied, its log shipped, and restored by time travel, in pieces", async () => {
  expect((await platform.admin("POST", "/v1/d1/databases", { name: "big" })).status).toBe(201);
  await query("CREATE TABLE files (id INTEGER PRIMARY KEY, body BLOB)");
  // One transaction of 20 MB (more than a log piece), then 20 more rows one by one.
  await query(Array.from({ length: 10 }, () => "INSERT INTO files (body) VALUES (randomblob(1900000))").join(";\n"));
  for (let i = 0; i < 11; i++) await query("INSERT INTO files (body) VALUES (randomblob(1900000))");
  const sums = await query("SELECT count(*) AS n, sum(length(body)) AS bytes, group_concat(hex(substr(body, 1000000, 8))) AS probe FROM files");
  expect(sums[0]).toMatchObject({ n: 21, bytes: 21 * 1_900_000 });
  const { body: point } = await platform.admin("GET", "/v1/d1/databases/big/time-travel/bookmark");

  const id = await db.databaseId("big");
  // Its copy, over 32 MiB, is taken and published.
  await waitUntil(async () => ((await db.snapshot(id))?.size ?? 0) > 40_000_000, 30_000);

  await query("DELETE FROM files WHERE id > 3");
  expect(await query("SELECT count(*) AS n FROM files")).toEqual([{ n: 3 }]);
  const restored = await platform.admin("POST", `/v1/d1/databases/big/time-travel/restore?bookmark=${point.bookmark}`);
  expect(restored).toMatchObject({ status: 200, body: { bookmark: point.bookmark } });
  expect(await query("SELECT count(*) AS n, sum(length(body)) AS bytes, group_concat(hex(substr(body, 1000000, 8))) AS probe FROM files")).toEqual(sums);
  // No process was killed for a stall on the way.
  expect(platform.events().filter((event) => /without answering/.test(event.msg ?? ""))).toEqual([]);
});
