// The s3 blob driver against a real S3 (scripts/s3): where the bytes go (R2 objects, D1's copies and
// write logs), and S3 going down.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { s3WithBucket } from "../helpers/s3.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {Awaited<ReturnType<typeof s3WithBucket>>} */
let s3;

const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/put") return Response.json(await env.BUCKET.put("k", "stored in s3"));
      if (url.pathname === "/get") return new Response((await env.BUCKET.get("k"))?.body ?? "(none)");
      if (url.pathname === "/big") {
        // 20 MiB of a repeating pattern, streamed: the driver sends it as an S3 multipart upload.
        const size = 20 * 1024 * 1024;
        const chunk = new Uint8Array(1000).map((_, i) => i % 251);
        let sent = 0;
        const body = new ReadableStream({ pull(c) { const n = Math.min(1000, size - sent); if (n <= 0) return c.close(); c.enqueue(chunk.subarray(0, n)); sent += n; } });
        const { readable, writable } = new FixedLengthStream(size);
        const [put] = await Promise.all([env.BUCKET.put("big", readable), body.pipeTo(writable)]);
        const object = await env.BUCKET.get("big");
        let bytes = 0, wrong = 0;
        for await (const part of object.body) { for (const b of part) { if (b !== (bytes % 1000) % 251) wrong++; bytes++; } }
        return Response.json({ size: put.size, bytes, wrong, etag: put.etag });
      }
      if (url.pathname === "/kv") { await env.KV.put("k", "kv works"); return new Response(await env.KV.get("k")); }
    } catch (error) {
      return new Response(error.message, { status: 500 });
    }
    return new Response("?", { status: 404 });
  },
};`;

beforeAll(async () => {
  s3 = await s3WithBucket();
  platform = await startPlatform({ env: s3.env });
  await platform.deploy("on-s3", await workerFile(WORKER), { r2: { BUCKET: "files" }, kv: { KV: "kv" } });
});
afterAll(async () => {
  await platform?.stop();
  await s3?.stop();
});

describe("s3 driver", () => {
  it("s3: object bytes are in the S3 bucket, metadata in Postgres", async () => {
    expect((await platform.fetchWorker("on-s3", "/put")).status).toBe(200);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    const [row] = await sql`SELECT blobs FROM r2_objects`;
    await sql.end();
    const blob = row?.blobs[0];
    const stored = await s3.client.fetch(`${s3.bucketUrl}/${blob}`);
    expect(await stored.text()).toBe("stored in s3");
    expect((await platform.fetchWorker("on-s3", "/get")).text).toBe("stored in s3");
  });

  it("s3: a key overwritten 10 times leaves one object in the S3 bucket", async () => {
    for (let i = 0; i < 10; i++) expect((await platform.fetchWorker("on-s3", "/put")).status).toBe(200);
    expect((await platform.admin("POST", "/v1/maintenance/sweep")).status).toBe(200);
    const listing = await (await s3.client.fetch(`${s3.bucketUrl}?list-type=2`)).text();
    const stored = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1]);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    const live = (await sql`SELECT unnest(blobs) AS blob FROM r2_objects`).map((row) => row.blob);
    await sql.end();
    expect(live).toHaveLength(1);
    expect(stored).toEqual(live);
  });

  it("s3: a 20 MiB stream goes up as an S3 multipart upload and comes back byte for byte", async () => {
    const result = JSON.parse((await platform.fetchWorker("on-s3", "/big")).text);
    expect(result).toEqual({ size: 20 * 1024 * 1024, bytes: 20 * 1024 * 1024, wrong: 0, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("s3: a D1 database's write log and copies are S3 objects, and time travel restores from them", async () => {
    const query = async (/** @type {string} */ sql) => (await platform.admin("POST", "/v1/d1/databases/ledger/query", { sql })).body;
    expect((await platform.admin("POST", "/v1/d1/databases", { name: "ledger" })).status).toBe(201);
    await query("CREATE TABLE entries (id INTEGER PRIMARY KEY, amount INTEGER)");
    await query("INSERT INTO entries (amount) VALUES (10), (20)");
    // Asking for the bookmark ships the log first.
    const point = await platform.admin("GET", "/v1/d1/databases/ledger/time-travel/bookmark");
    expect(point.status).toBe(200);
    await query("UPDATE entries SET amount = 0");

    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    const segments = await sql`SELECT blob FROM object_log_segments ORDER BY first_seq`;
    const stored = await s3.client.fetch(`${s3.bucketUrl}/${segments[0]?.blob}`);
    // A number travels as SQLite prints it, its type beside it.
    expect(await stored.text()).toContain('"integer","amount","10"');

    const restored = await platform.admin("POST", `/v1/d1/databases/ledger/time-travel/restore?bookmark=${point.body.bookmark}`);
    expect(restored).toMatchObject({ status: 200, body: { bookmark: point.body.bookmark } });
    expect((await query("SELECT amount FROM entries ORDER BY id")).results[0].results).toEqual([{ amount: 10 }, { amount: 20 }]);
    // The restore's copy, from which later commits replay, is in the bucket too.
    const [copy] = await sql`SELECT blob, keep FROM object_snapshots`;
    await sql.end();
    expect(copy?.keep).toBe(true);
    // A copy is its statements, one JSON string a line.
    const statements = (await (await s3.client.fetch(`${s3.bucketUrl}/${copy?.blob}`)).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(statements).toContain('INSERT INTO "entries" VALUES(1,10);');
  });

  it("s3: with S3 down, the binding reports an internal error and other bindings keep working", async () => {
    await s3.stop();
    const response = await platform.fetchWorker("on-s3", "/get");
    expect(response).toMatchObject({ status: 500, text: "get: We encountered an internal error. Please try again. (10001)" });
    expect((await platform.fetchWorker("on-s3", "/kv")).text).toBe("kv works");
    const failure = () => platform.events().find((event) => event.msg === "R2 get for default/on-s3 binding BUCKET: blob store failed");
    // The log line reaches the platform's output a moment after the response.
    await waitUntil(() => failure() !== undefined, 5000);
    expect(failure()).toMatchObject({ level: "error", src: "runner", error: expect.any(String) });
  });
});
