// Storage beyond the shared suite: isolation attacks, streaming large objects, blobs on disk.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
  platform = await startPlatform();
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
    const pid = execFileSync("pgrep", ["-f", `workerd serve ${platform.dataDir}/workerd/config.capnp`], { encoding: "utf8" }).trim();
    const rss = () => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN) * 1024;
    // A first round trip grows V8's heap to its working size (garbage, not the object: a second
    // object of the same size adds nothing, and a 300 MiB one far less than 300 MiB).
    await platform.fetchWorker("files-a", "/big?key=warmup");
    await platform.fetchWorker("files-a", "/count?key=warmup");
    const before = rss();
    const put = JSON.parse((await platform.fetchWorker("files-a", "/big?key=big")).text);
    expect(put.size).toBe(100 * 1024 * 1024);
    expect(put.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse((await platform.fetchWorker("files-a", "/count?key=big")).text)).toEqual({ bytes: 100 * 1024 * 1024, sevens: 100 * 1024 * 1024 });
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
  /** @param {URL} url @param {{ method?: string, body?: string }} [init] */
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

  it("presigned: an altered URL cannot reach another key or bucket", async () => {
    await platform.fetchWorker("files-b", "/put?key=secret", { method: "POST", body: "b's secret" });
    const url = await presign("public.txt", "GET");
    const [payload, signature] = url.pathname.slice(1).split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    for (const altered of [{ ...claims, key: "secret" }, { ...claims, bucketId: String(Number(claims.bucketId) + 1) }, { ...claims, expires: claims.expires + 999999 }]) {
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
    expect(response.body.error.message).toBe("name: The worker name storage is reserved: storage.<base domain> serves presigned URLs.");
  });
});
