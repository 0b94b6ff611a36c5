// Storage beyond the shared suite: isolation attacks, streaming large objects, blobs on disk.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

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
