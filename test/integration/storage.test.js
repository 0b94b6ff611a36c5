// Storage beyond the shared suite: isolation attacks, streaming large objects, blobs on disk.
import { execFileSync } from "node:child_process";
import http from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key") ?? "";
    try {
      switch (url.pathname) {
        case "/put": return Response.json(await env.BUCKET.put(key, request.body ? await request.text() : ""));
        case "/get": { const o = await env.BUCKET.get(key); return o ? new Response(o.body) : new Response("(none)", { status: 404 }); }
        case "/presign": return new Response(await env.BUCKET.createPresignedUrl(key, {
          method: url.searchParams.get("method") ?? undefined, expiresIn: Number(url.searchParams.get("expires") ?? 3600) }));
        case "/list": return Response.json((await env.BUCKET.list({ prefix: url.searchParams.get("prefix") ?? undefined })).objects.map((o) => o.key));
        case "/big": {
          // 100 MiB generated on the fly: never held in memory whole, here or in the runner.
          const chunk = new Uint8Array(1024 * 1024).fill(7);
          let sent = 0;
          const body = new ReadableStream({ pull(c) { if (sent++ < 100) c.enqueue(chunk); else c.close(); } });
          const { readable, writable } = new FixedLengthStream(100 * 1024 * 1024);
          const [put] = await Promise.all([env.BUCKET.put(key, readable), body.pipeTo(writable)]);
          return Response.json({ size: put.size, etag: put.etag });
        }
        case "/create": return Response.json((await env.BUCKET.put(key, "created", { onlyIf: new Headers({ "if-none-match": "*" }) })) !== null);
        case "/increment": {
          // Read-modify-write guarded by the etag read: a lost update would show as a short count.
          for (;;) {
            const o = await env.BUCKET.get(key);
            const next = o ? Number(await o.text()) + 1 : 1;
            const onlyIf = o ? { etagMatches: o.etag } : new Headers({ "if-none-match": "*" });
            if (await env.BUCKET.put(key, String(next), { onlyIf })) return Response.json(next);
          }
        }
        case "/stream": return Response.json(await env.BUCKET.put(key, request.body));
        case "/upload": {
          const upload = await env.BUCKET.createMultipartUpload(key);
          return Response.json({ uploadId: upload.uploadId, part: await upload.uploadPart(1, "the only part") });
        }
        case "/complete": {
          const upload = env.BUCKET.resumeMultipartUpload(key, url.searchParams.get("upload"));
          return Response.json(await upload.complete([JSON.parse(url.searchParams.get("part"))]));
        }
        case "/classes": {
          // Miniflare's R2 records no storage class (storageClass reads ""), so this is not in the shared suite.
          const put = await env.BUCKET.put(key, "x", { storageClass: "InfrequentAccess" });
          const plain = await env.BUCKET.put(key + "-default", "x");
          const upload = await env.BUCKET.createMultipartUpload(key + "-multipart", { storageClass: "InfrequentAccess" });
          const part = await upload.uploadPart(1, "only part");
          const completed = await upload.complete([part]);
          const refused = await env.BUCKET.put(key, "y", { storageClass: "Glacier" }).catch((error) => error.message);
          const ssec = await env.BUCKET.put(key, "y", { ssecKey: "00".repeat(32) }).catch((error) => error.message);
          return Response.json({
            put: put.storageClass, head: (await env.BUCKET.head(key)).storageClass, get: (await env.BUCKET.get(key)).storageClass,
            plain: plain.storageClass, multipart: completed.storageClass,
            listed: (await env.BUCKET.list({ prefix: key })).objects.map((o) => [o.key, o.storageClass]),
            refused, ssec, after: await (await env.BUCKET.get(key)).text(),
          });
        }
        case "/count": {
          const o = await env.BUCKET.get(key);
          let bytes = 0, sevens = 0;
          for await (const chunk of o.body) { bytes += chunk.byteLength; for (const b of chunk) if (b === 7) sevens++; }
          return Response.json({ bytes, sevens });
        }
      }
    } catch (error) {
      return Response.json({ error: error.message }, { status: 500 });
    }
    return new Response("?", { status: 404 });
  },
};`;

beforeAll(async () => {
  // The 100 MiB test's worker counts bytes in JavaScript: about a second of CPU in one go, which the
  // watchdog's default stall limit (1 s) would stop on a loaded machine.
  platform = await startPlatform({ env: { OUTPOST_STALL_MS: "5000" } });
  const entry = await workerFile(WORKER);
  await platform.deploy("files-a", entry, { r2: { BUCKET: "files-a" } });
  await platform.deploy("files-b", entry, { r2: { BUCKET: "files-b" } });
  const acme = (await platform.admin("POST", "/v1/tokens", { name: "acme", tenant: "acme" })).body.token;
  const { bundleWorker } = await import("../../cli/bundle.js");
  await platform.admin("PUT", "/v1/workers/acme-files", { ...(await bundleWorker(entry)), r2: { BUCKET: "files-a" } }, acme);
});
afterAll(() => platform?.stop());

describe("isolation", () => {
  it("storage: keys like ../x, %2e%2e/, absolute paths and NUL are stored literally inside the bucket", async () => {
    const keys = ["../escape", "..%2F..%2Fescape", "%2e%2e/x", "/etc/passwd", "a/../../b", "nul\u0000byte", "back\\slash\\..\\..\\x"];
    for (const key of keys) {
      const put = await platform.fetchWorker("files-a", `/put?key=${encodeURIComponent(key)}`, { method: "POST", body: `value of ${key}` });
      expect(JSON.parse(put.text).key).toBe(key);
      expect((await platform.fetchWorker("files-a", `/get?key=${encodeURIComponent(key)}`)).text).toBe(`value of ${key}`);
    }
    expect(JSON.parse((await platform.fetchWorker("files-a", "/list")).text).sort()).toEqual([...keys].sort());
    // On disk the bytes are blobs named by bucket and a random id: no key reaches a file name.
    const blobs = readdirSync(join(platform.dataDir, "blobs"));
    expect(blobs.every((name) => /^\d+-[0-9a-f-]{36}$/.test(name))).toBe(true);
    expect(execFileSync("find", [platform.dataDir, "-name", "passwd", "-o", "-name", "escape"], { encoding: "utf8" })).toBe("");
  });

  it("storage: another bucket, and the same bucket name in another tenant, see nothing", async () => {
    await platform.fetchWorker("files-a", "/put?key=private", { method: "POST", body: "a's data" });
    expect((await platform.fetchWorker("files-b", "/get?key=private")).status).toBe(404);
    expect((await platform.fetchWorker("acme-files", "/get?key=private")).status).toBe(404);
    expect(JSON.parse((await platform.fetchWorker("acme-files", "/list")).text)).toEqual([]);
    await platform.fetchWorker("acme-files", "/put?key=private", { method: "POST", body: "acme's data" });
    expect((await platform.fetchWorker("files-a", "/get?key=private")).text).toBe("a's data");
  });
});

describe("large objects", () => {
  it("storage: a 100 MiB object streams in and out without the runner holding it in memory", async () => {
    // Every process of the pool: whichever serves the request must not hold the object.
    const pids = execFileSync("pgrep", ["-f", `workerd serve ${platform.dataDir}/workerd/config.capnp`], { encoding: "utf8" })
      .trim()
      .split("\n");
    const rss = () => pids.reduce((sum, pid) => sum + Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN) * 1024, 0);
    // One keep-alive connection for every request: the same process serves them all (a new
    // connection may land on another process, whose heap the warm-up did not grow).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const fetchA = (/** @type {string} */ path) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: platform.port, path, headers: { host: "files-a.localhost" }, agent }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve(text));
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end();
      });
    // A first round trip grows V8's heap to its working size (garbage, not the object: a second
    // object of the same size adds nothing, and a 300 MiB one far less than 300 MiB).
    await fetchA("/big?key=warmup");
    await fetchA("/count?key=warmup");
    const before = rss();
    const put = JSON.parse(String(await fetchA("/big?key=big")));
    expect(put.size).toBe(100 * 1024 * 1024);
    expect(put.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(String(await fetchA("/count?key=big")))).toEqual({ bytes: 100 * 1024 * 1024, sevens: 100 * 1024 * 1024 });
    agent.destroy();
    const grown = rss() - before;
    // The process also runs the tenant isolate; a whole-object buffer anywhere would add ≥ 100 MiB.
    expect(grown).toBeLessThan(48 * 1024 * 1024);
  });
});

describe("presigned URLs", () => {
  /** @param {string} key @param {string} method @param {number} [expires] */
  async function presign(key, method, expires = 3600) {
    const url = new URL((await platform.fetchWorker("files-a", `/presign?key=${encodeURIComponent(key)}&method=${method}&expires=${expires}`)).text);
    return url;
  }
  /** @param {URL} url @param {{ method?: string, body?: string, headers?: Record<string, string> }} [init] */
  const use = (url, init = {}) => httpRequest(platform.port, url.hostname, url.pathname, init);

  it("presigned: PUT, GET and DELETE work without the worker, each only for its method", async () => {
    const put = await presign("shared/report.txt", "PUT");
    expect(put.hostname).toBe("storage.localhost");
    expect((await use(put, { method: "PUT", body: "quarterly numbers" })).status).toBe(200);
    const get = await presign("shared/report.txt", "GET");
    const got = await use(get);
    expect(got).toMatchObject({ status: 200, text: "quarterly numbers" });
    expect(got.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await use(get, { method: "PUT", body: "overwrite" })).text).toBe("Presigned URL refused: it allows GET, not PUT.\n");
    expect((await use(await presign("shared/report.txt", "DELETE"), { method: "DELETE" })).status).toBe(204);
    expect((await use(get)).status).toBe(404);
  });

  it("presigned: a PUT's content-type is stored and served with the object; none given, none served", async () => {
    const typed = await presign("shared/page.html", "PUT");
    expect((await use(typed, { method: "PUT", body: "<p>hi</p>", headers: { "content-type": "text/html" } })).status).toBe(200);
    expect((await use(await presign("shared/page.html", "GET"))).headers["content-type"]).toBe("text/html");
    expect((await use(await presign("shared/plain", "PUT"), { method: "PUT", body: "untyped" })).status).toBe(200);
    const untyped = await use(await presign("shared/plain", "GET"));
    expect(untyped).toMatchObject({ status: 200, text: "untyped" });
    expect(untyped.headers["content-type"]).toBeUndefined();
  });

  it("presigned: an altered URL cannot reach another key or bucket", async () => {
    await platform.fetchWorker("files-b", "/put?key=secret", { method: "POST", body: "b's secret" });
    const url = await presign("public.txt", "GET");
    const [payload, signature] = url.pathname.slice(1).split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    for (const altered of [
      { ...claims, key: "secret" },
      { ...claims, bucketId: String(Number(claims.bucketId) + 1) },
      { ...claims, expires: claims.expires + 999999 },
    ]) {
      const forged = new URL(url);
      forged.pathname = `/${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${signature}`;
      expect(await use(forged)).toMatchObject({ status: 403, text: "Presigned URL refused: invalid signature.\n" });
    }
    expect((await use(new URL(`${url.origin}/garbage`))).status).toBe(403);
  });

  it("presigned: an expired URL is refused", async () => {
    await platform.fetchWorker("files-a", "/put?key=soon", { method: "POST", body: "x" });
    const url = await presign("soon", "GET", 1);
    await waitUntil(async () => (await use(url)).status === 403, 5000);
    expect((await use(url)).text).toBe("Presigned URL refused: expired.\n");
  });

  it("presigned: no worker may be named storage", async () => {
    const { bundleWorker } = await import("../../cli/bundle.js");
    const response = await platform.admin("PUT", "/v1/workers/storage", await bundleWorker(await workerFile(WORKER)));
    expect(response.body.error.message).toBe("The worker name storage is reserved: storage.<base domain> serves presigned URLs.");
  });
});

describe("conditional puts", () => {
  it("onlyIf: of many concurrent create-if-absent puts exactly one writes", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => platform.fetchWorker("files-a", "/create?key=once", { method: "POST" })));
    expect(results.map((r) => JSON.parse(r.text)).filter((created) => created === true)).toHaveLength(1);
  });

  it("onlyIf: concurrent etag-guarded read-modify-writes lose no update", async () => {
    const results = await Promise.all(Array.from({ length: 16 }, () => platform.fetchWorker("files-a", "/increment?key=counter", { method: "POST" })));
    expect(results.map((r) => JSON.parse(r.text)).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect((await platform.fetchWorker("files-a", "/get?key=counter")).text).toBe("16");
  });
});

describe("multipart", () => {
  it("multipart: of concurrent completions of one upload exactly one succeeds, the others find no upload, and the object keeps its bytes", async () => {
    const { uploadId, part } = JSON.parse((await platform.fetchWorker("files-a", "/upload?key=raced", { method: "POST" })).text);
    const path = `/complete?key=raced&upload=${uploadId}&part=${encodeURIComponent(JSON.stringify(part))}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => platform.fetchWorker("files-a", path)));
    const bodies = results.map((result) => JSON.parse(result.text));
    expect(bodies.filter((body) => body.key === "raced")).toHaveLength(1);
    expect(bodies.filter((body) => body.error !== undefined).map((body) => body.error)).toEqual(
      Array(5).fill("completeMultipartUpload: The specified multipart upload does not exist. (10024)"),
    );
    expect((await platform.fetchWorker("files-a", "/get?key=raced")).text).toBe("the only part");
  });
});

describe("storage classes and SSE-C", () => {
  it("storageClass: InfrequentAccess is kept and reported by put, head, get, list and multipart; unknown classes and ssecKey are refused, storing nothing", async () => {
    expect(JSON.parse((await platform.fetchWorker("files-a", "/classes?key=cls/a")).text)).toEqual({
      put: "InfrequentAccess",
      head: "InfrequentAccess",
      get: "InfrequentAccess",
      plain: "Standard",
      multipart: "InfrequentAccess",
      listed: [
        ["cls/a", "InfrequentAccess"],
        ["cls/a-default", "Standard"],
        ["cls/a-multipart", "InfrequentAccess"],
      ],
      refused: 'put: storageClass must be one of "Standard", "InfrequentAccess", not "Glacier".',
      ssec: "put: ssecKey (server-side encryption with a customer-provided key) is not supported by Outpost; nothing was read or stored.",
      after: "x",
    });
  });
});

describe("blob collection", () => {
  /** @param {(sql: import("postgres").Sql) => Promise<void>} use */
  async function withSql(use) {
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      await use(sql);
    } finally {
      await sql.end();
    }
  }
  const blobFiles = () => readdirSync(join(platform.dataDir, "blobs"));

  it("sweep: a put cut off by a crash leaves no blob behind once its grace period is over", async () => {
    let pending = "";
    await withSql(async (sql) => {
      const before = new Set((await sql`SELECT blob FROM r2_garbage`).map((row) => row.blob));
      // A 1 MiB body of which only half arrives before workerd is killed.
      const request = httpRequestStream(platform.port, "files-a.localhost", "/stream?key=cut-off", 1024 * 1024);
      request.write(Buffer.alloc(512 * 1024, 1));
      await waitUntil(async () => (await sql`SELECT blob FROM r2_garbage`).some((row) => !before.has(row.blob)), 5000);
      pending = (await sql`SELECT blob FROM r2_garbage`).map((row) => row.blob).find((blob) => !before.has(blob));
      execFileSync("pkill", ["-KILL", "-f", `workerd serve ${platform.dataDir}/workerd/config.capnp`]);
      request.destroy();
      await waitUntil(async () => (await platform.fetchWorker("files-a", "/get?key=private").catch(() => ({ status: 0 }))).status === 200, 15_000);
      expect((await platform.fetchWorker("files-a", "/get?key=cut-off")).status).toBe(404);

      // Within the grace period (an upload may still be running) the sweep leaves it alone.
      expect((await platform.admin("POST", "/v1/maintenance/sweep")).body.collectedBlobs).toBe(0);
      expect(await sql`SELECT count(*)::int AS n FROM r2_garbage WHERE blob = ${pending}`).toEqual([{ n: 1 }]);
      await sql`UPDATE r2_garbage SET collect_after = now() - interval '1 second' WHERE blob = ${pending}`;
      expect((await platform.admin("POST", "/v1/maintenance/sweep")).body.collectedBlobs).toBe(1);
      expect(await sql`SELECT count(*)::int AS n FROM r2_garbage WHERE blob = ${pending}`).toEqual([{ n: 0 }]);
    });
    expect(blobFiles()).not.toContain(pending);
    // Every blob left on disk belongs to a stored object.
    await withSql(async (sql) => {
      const referenced = new Set((await sql`SELECT unnest(blobs) AS blob FROM r2_objects`).map((row) => row.blob));
      expect(blobFiles().filter((blob) => !referenced.has(blob))).toEqual([]);
    });
  });

  it("sweep: a put whose sender goes away mid-body is cleaned up at once, leaving no file or log row", async () => {
    await withSql(async (sql) => {
      const before = new Set((await sql`SELECT blob FROM r2_garbage`).map((row) => row.blob));
      const request = httpRequestStream(platform.port, "files-a.localhost", "/stream?key=abandoned-body", 1024 * 1024);
      request.write(Buffer.alloc(256 * 1024, 1));
      await waitUntil(async () => (await sql`SELECT blob FROM r2_garbage`).some((row) => !before.has(row.blob)), 5000);
      const pending = (await sql`SELECT blob FROM r2_garbage`).map((row) => row.blob).find((blob) => !before.has(blob));
      request.destroy();
      await waitUntil(async () => (await sql`SELECT count(*)::int AS n FROM r2_garbage WHERE blob = ${pending}`)[0]?.n === 0, 5000);
      expect(blobFiles().filter((name) => name.includes(pending))).toEqual([]);
      expect((await platform.fetchWorker("files-a", "/get?key=abandoned-body")).status).toBe(404);
    });
  });

  it("sweep: a multipart upload abandoned for 7 days is aborted and its parts' blobs deleted", async () => {
    const { uploadId, part } = JSON.parse((await platform.fetchWorker("files-a", "/upload?key=abandoned", { method: "POST" })).text);
    let partBlob = "";
    await withSql(async (sql) => {
      [{ blob: partBlob }] = await sql`SELECT blob FROM r2_upload_parts WHERE upload_id = ${uploadId}`;
      expect(blobFiles()).toContain(partBlob);
      await sql`UPDATE r2_uploads SET created_at = now() - interval '8 days' WHERE upload_id = ${uploadId}`;
    });
    expect((await platform.admin("POST", "/v1/maintenance/sweep")).body).toMatchObject({ abortedUploads: 1, collectedBlobs: 1 });
    expect(blobFiles()).not.toContain(partBlob);
    const completed = await platform.fetchWorker("files-a", `/complete?key=abandoned&upload=${uploadId}&part=${encodeURIComponent(JSON.stringify(part))}`);
    expect(JSON.parse(completed.text).error).toMatch(/The specified multipart upload does not exist/);
  });
});

/**
 * A POST whose body the caller writes piece by piece (Content-Length announced up front).
 * @param {number} port @param {string} host @param {string} path @param {number} length
 */
function httpRequestStream(port, host, path, length) {
  const request = http.request({ port, host: "127.0.0.1", path, method: "POST", headers: { host, "content-length": String(length) } });
  request.on("error", () => {});
  return request;
}
