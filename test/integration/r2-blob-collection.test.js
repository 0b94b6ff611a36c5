// Replaced and deleted R2 bytes leave no blob behind: after the sweep, a bucket's blob files are
// exactly its live objects' blobs, however often (and however concurrently) keys and parts are
// rewritten. Disk driver: the blobs are files in <data dir>/blobs named <bucket id>-<uuid>.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {import("postgres").Sql} */
let sql;

const BUCKETS = ["overwrite", "concurrent", "multipart", "parts", "racing", "deleted"];

// ?bucket= picks the binding; every route answers JSON so a failure shows its message.
const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const bucket = env[url.searchParams.get("bucket")];
    const key = url.searchParams.get("key") ?? "";
    const times = Number(url.searchParams.get("times") ?? 1);
    try {
      switch (url.pathname) {
        case "/put": return Response.json((await bucket.put(key, url.searchParams.get("value") ?? "v")).version);
        case "/overwrite": {
          for (let i = 0; i < times; i++) await bucket.put(key, "value " + i);
          return Response.json(await (await bucket.get(key)).text());
        }
        case "/get": return Response.json(await (await bucket.get(key))?.text() ?? null);
        case "/delete": await bucket.delete(JSON.parse(url.searchParams.get("keys"))); return Response.json(null);
        case "/create": return Response.json((await bucket.createMultipartUpload(key)).uploadId);
        case "/part": {
          const upload = bucket.resumeMultipartUpload(key, url.searchParams.get("upload"));
          const number = Number(url.searchParams.get("part"));
          let part;
          for (let i = 0; i < times; i++) part = await upload.uploadPart(number, "part " + number + " try " + i);
          return Response.json(part);
        }
        case "/complete": {
          const upload = bucket.resumeMultipartUpload(key, url.searchParams.get("upload"));
          return Response.json((await upload.complete(JSON.parse(url.searchParams.get("parts")))).size);
        }
        case "/abort": await bucket.resumeMultipartUpload(key, url.searchParams.get("upload")).abort(); return Response.json(null);
      }
    } catch (error) {
      return Response.json({ error: error.message }, { status: 500 });
    }
    return new Response("?", { status: 404 });
  },
};`;

beforeAll(async () => {
  platform = await startPlatform();
  await platform.deploy("leaks", await workerFile(WORKER), { r2: Object.fromEntries(BUCKETS.map((name) => [name, `leaks-${name}`])) });
  sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
  await platform?.stop();
});

/** @param {string} bucket @param {string} path @param {Record<string, string | number>} params */
async function call(bucket, path, params = {}) {
  const query = new URLSearchParams({ bucket, ...Object.fromEntries(Object.entries(params).map(([name, value]) => [name, String(value)])) });
  const response = await platform.fetchWorker("leaks", `${path}?${query}`, { method: "POST" });
  expect(response.status, response.text).toBe(200);
  return JSON.parse(response.text);
}

/**
 * After a sweep: the bucket's blob files, the blobs its objects and open uploads' parts point at,
 * and its blobs still listed for collection.
 * @param {string} bucket
 */
async function blobsAfterSweep(bucket) {
  expect((await platform.admin("POST", "/v1/maintenance/sweep")).status).toBe(200);
  const id = (await sql`SELECT id::text AS id FROM r2_buckets WHERE name = ${`leaks-${bucket}`}`)[0]?.id;
  const files = readdirSync(join(platform.dataDir, "blobs")).filter((name) => name.startsWith(`${id}-`));
  const live = (
    await sql`SELECT unnest(blobs) AS blob FROM r2_objects WHERE bucket_id = ${id}
              UNION ALL SELECT blob FROM r2_upload_parts JOIN r2_uploads USING (upload_id) WHERE bucket_id = ${id}`
  ).map((row) => row.blob);
  const listed = (await sql`SELECT blob FROM r2_garbage WHERE blob LIKE ${`${id}-%`}`).map((row) => row.blob);
  return { files: files.sort(), live: live.sort(), listed };
}

describe("R2 blob collection", () => {
  it("blobs: one key overwritten 100 times leaves one blob", async () => {
    expect(await call("overwrite", "/overwrite", { key: "k", times: 100 })).toBe("value 99");
    const { files, live, listed } = await blobsAfterSweep("overwrite");
    expect(live).toHaveLength(1);
    expect(files).toEqual(live);
    expect(listed).toEqual([]);
  });

  it("blobs: 20 concurrent puts of one key, new and then existing, leave one blob", async () => {
    for (const round of ["new", "existing"]) {
      const versions = await Promise.all(Array.from({ length: 20 }, (_, i) => call("concurrent", "/put", { key: "k", value: `${round} ${i}` })));
      expect(new Set(versions).size).toBe(20);
      const { files, live, listed } = await blobsAfterSweep("concurrent");
      expect(live).toHaveLength(1);
      expect(files).toEqual(live);
      expect(listed).toEqual([]);
    }
    expect(await call("concurrent", "/get", { key: "k" })).toMatch(/^existing \d+$/);
  });

  it("blobs: re-uploaded parts, an unused part and a replaced multipart object leave only the live object's blob", async () => {
    for (const attempt of [1, 2]) {
      const upload = await call("multipart", "/create", { key: "k" });
      const part = await call("multipart", "/part", { key: "k", upload, part: 1, times: 5 });
      await call("multipart", "/part", { key: "k", upload, part: 2, times: 3 });
      // Part 2 is left out: it is freed with the upload.
      expect(await call("multipart", "/complete", { key: "k", upload, parts: JSON.stringify([part]) })).toBe("part 1 try 4".length);
      const { files, live, listed } = await blobsAfterSweep("multipart");
      expect(live, `completion ${attempt}`).toHaveLength(1);
      expect(files).toEqual(live);
      expect(listed).toEqual([]);
    }
    expect(await call("multipart", "/get", { key: "k" })).toBe("part 1 try 4");
  });

  it("blobs: one part re-uploaded 10 times at once, then aborted, leaves no blob", async () => {
    const upload = await call("parts", "/create", { key: "k" });
    await Promise.all(Array.from({ length: 10 }, () => call("parts", "/part", { key: "k", upload, part: 1 })));
    expect(await blobsAfterSweep("parts")).toMatchObject({ files: [expect.any(String)], listed: [] });
    await call("parts", "/abort", { key: "k", upload });
    expect(await blobsAfterSweep("parts")).toEqual({ files: [], live: [], listed: [] });
  });

  it("blobs: parts written while their upload is aborted, completed or swept away are all collected", async () => {
    for (const end of ["abort", "complete", "sweep", "abort", "complete", "sweep"]) {
      const upload = await call("racing", "/create", { key: "k" });
      const first = await call("racing", "/part", { key: "k", upload, part: 1 });
      if (end === "sweep") await sql`UPDATE r2_uploads SET created_at = now() - interval '8 days' WHERE upload_id = ${upload}`;
      // Re-uploads of part 1 and new parts race the end: each either lands before it (and is
      // freed with the upload) or is refused (and its blob is collected at once).
      const racing = Array.from({ length: 8 }, (_, i) =>
        platform.fetchWorker("leaks", `/part?${new URLSearchParams({ bucket: "racing", key: "k", upload, part: String(1 + (i % 4)) })}`, { method: "POST" }),
      );
      const ended =
        end === "sweep"
          ? platform.admin("POST", "/v1/maintenance/sweep")
          : platform.fetchWorker("leaks", `/${end}?${new URLSearchParams({ bucket: "racing", key: "k", upload, parts: JSON.stringify([first]) })}`, {
              method: "POST",
            });
      for (const response of await Promise.all(racing)) expect([200, 500]).toContain(response.status);
      const endStatus = (await ended).status;
      const { files, live, listed } = await blobsAfterSweep("racing");
      expect(files, end).toEqual(live);
      expect(listed).toEqual([]);
      // A completion is of the part it named; one refused (part 1 re-uploaded first: a new etag)
      // leaves the upload open.
      if (end === "complete" && endStatus === 200) expect(await call("racing", "/get", { key: "k" })).toBe("part 1 try 0");
      if (endStatus !== 200) await call("racing", "/abort", { key: "k", upload });
    }
    const { files, live } = await blobsAfterSweep("racing");
    expect(files).toEqual(live);
    expect(live.length).toBeLessThanOrEqual(1);
  });

  it("blobs: deleted objects, single and multipart, leave no blob", async () => {
    for (let i = 0; i < 5; i++) await call("deleted", "/put", { key: `k${i}` });
    const upload = await call("deleted", "/create", { key: "multi" });
    const part = await call("deleted", "/part", { key: "multi", upload, part: 1 });
    await call("deleted", "/complete", { key: "multi", upload, parts: JSON.stringify([part]) });
    expect((await blobsAfterSweep("deleted")).files).toHaveLength(6);
    await call("deleted", "/delete", { keys: JSON.stringify(["k0", "k1"]) });
    const some = await blobsAfterSweep("deleted");
    expect(some.live).toHaveLength(4);
    expect(some.files).toEqual(some.live);
    await call("deleted", "/delete", { keys: JSON.stringify(["k2", "k3", "k4", "multi"]) });
    expect(await blobsAfterSweep("deleted")).toEqual({ files: [], live: [], listed: [] });
  });
});
