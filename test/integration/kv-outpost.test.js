// KV behaviour beyond Cloudflare's API (exists, conditional puts) and what the shared suite
// cannot reach on Miniflare: expiry as time passes, the sweep, signed cursors, concurrency.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// Runs the JSON body's `op` against env.KV (or env.OTHER) and returns the outcome as JSON.
const WORKER = `export default {
  async fetch(request, env) {
    const { op, args = [], binding = "KV" } = await request.json();
    const kv = env[binding];
    try {
      let result;
      if (op === "increment") {
        for (let attempt = 1; ; attempt++) {
          const current = await kv.getWithVersion(args[0]);
          const next = String(Number(current?.value ?? 0) + 1);
          const stored = current ? await kv.putIfVersion(args[0], next, current.version) : (await kv.putIfAbsent(args[0], next)) ? "created" : null;
          if (stored !== null) { result = attempt; break; }
        }
      } else {
        result = await kv[op](...args);
      }
      if (result instanceof Map) result = Object.fromEntries(result);
      return Response.json({ result: result ?? null });
    } catch (error) {
      return Response.json({ error: error.name + ": " + error.message });
    }
  },
};`;

/**
 * @param {string} op
 * @param {unknown[]} args
 * @param {string} [binding]
 */
async function kv(op, args, binding = "KV") {
  const response = await platform.fetchWorker("kvx", "/", { method: "POST", body: JSON.stringify({ op, args, binding }) });
  return JSON.parse(response.text);
}

beforeAll(async () => {
  platform = await startPlatform();
  await platform.deploy("kvx", await workerFile(WORKER), { kv: { KV: "kvx", OTHER: "kvx-other" } });
});
afterAll(() => platform?.stop());

describe("extensions", () => {
  it("exists: true only for a live key", async () => {
    expect(await kv("exists", ["ex/a"])).toEqual({ result: false });
    await kv("put", ["ex/a", "v"]);
    expect(await kv("exists", ["ex/a"])).toEqual({ result: true });
    await kv("delete", ["ex/a"]);
    expect(await kv("exists", ["ex/a"])).toEqual({ result: false });
  });

  it("putIfAbsent: creates once, then refuses and keeps the first value", async () => {
    expect(await kv("putIfAbsent", ["pia/a", "first"])).toEqual({ result: true });
    expect(await kv("putIfAbsent", ["pia/a", "second"])).toEqual({ result: false });
    expect(await kv("get", ["pia/a"])).toEqual({ result: "first" });
  });

  it("putIfAbsent: exactly one of many concurrent creators wins", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kv("putIfAbsent", ["pia/race", `writer-${i}`])));
    const winners = results.filter((r) => r.result === true);
    expect(winners).toHaveLength(1);
    const stored = (await kv("get", ["pia/race"])).result;
    expect(results[Number(stored.slice("writer-".length))]).toEqual({ result: true });
  });

  it("putIfVersion: succeeds with the current version, fails with a stale one", async () => {
    await kv("put", ["cas/a", "1", { metadata: { m: 1 } }]);
    const first = (await kv("getWithVersion", ["cas/a"])).result;
    expect(first).toEqual({ value: "1", metadata: { m: 1 }, version: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const second = (await kv("putIfVersion", ["cas/a", "2", first.version])).result;
    expect(second).toMatch(/^[0-9a-f]{32}$/);
    expect(second).not.toBe(first.version);
    expect(await kv("putIfVersion", ["cas/a", "stale", first.version])).toEqual({ result: null });
    expect(await kv("get", ["cas/a"])).toEqual({ result: "2" });
  });

  it("putIfVersion: a deleted and recreated key never matches an old version", async () => {
    await kv("put", ["cas/aba", "1"]);
    const { version } = (await kv("getWithVersion", ["cas/aba"])).result;
    await kv("delete", ["cas/aba"]);
    await kv("put", ["cas/aba", "1"]);
    expect(await kv("putIfVersion", ["cas/aba", "2", version])).toEqual({ result: null });
  });

  it("putIfVersion: concurrent compare-and-swap increments lose no update", async () => {
    await Promise.all(Array.from({ length: 12 }, () => kv("increment", ["cas/counter"])));
    expect(await kv("get", ["cas/counter"])).toEqual({ result: "12" });
  });

  it("putIfVersion: validates like put", async () => {
    expect(await kv("putIfVersion", ["", "v", "1"])).toEqual({ error: "TypeError: Key name cannot be empty." });
    expect(await kv("putIfVersion", ["cas/x", "v", "not-a-version"])).toEqual({
      error: "TypeError: Invalid argument to the KV binding: version must be a version string returned by getWithVersion()",
    });
  });
});

describe("cursors", () => {
  /** @returns {Promise<string>} */
  async function firstCursor() {
    for (let i = 0; i < 5; i++) await kv("put", [`cur/${i}`, "v"]);
    const page = (await kv("list", [{ prefix: "cur/", limit: 2 }])).result;
    expect(page.list_complete).toBe(false);
    return page.cursor;
  }
  const INVALID = "Error: KV GET failed: 400 Invalid cursor. Pass the cursor from the previous list() result unchanged.";

  it("list: a tampered cursor is refused", async () => {
    const cursor = await firstCursor();
    const flipped = (cursor[0] === "A" ? "B" : "A") + cursor.slice(1);
    expect(await kv("list", [{ prefix: "cur/", cursor: flipped }])).toEqual({ error: INVALID });
    expect(await kv("list", [{ prefix: "cur/", cursor: "garbage" }])).toEqual({ error: INVALID });
  });

  it("list: a cursor cannot be reused with another prefix or namespace", async () => {
    const cursor = await firstCursor();
    expect(await kv("list", [{ prefix: "cu", cursor }])).toEqual({ error: INVALID });
    expect(await kv("list", [{ prefix: "cur/", cursor }], "OTHER")).toEqual({ error: INVALID });
    expect((await kv("list", [{ prefix: "cur/", cursor }])).result.keys.map((/** @type {{name: string}} */ k) => k.name)).toEqual(["cur/2", "cur/3", "cur/4"]);
  });
});

/**
 * Lets the key's expiry arrive now (a real server's clock cannot be moved). Like every writer of
 * kv_entries, it notifies the hosts' read caches; the notification reaches the host's listener
 * a moment after commit, as a write from another host would, so callers wait for it.
 * @param {postgres.Sql} sql
 * @param {string} key
 */
async function expireNow(sql, key) {
  await sql`WITH changed AS (
      UPDATE kv_entries SET expiration = extract(epoch from now())::bigint - 1 WHERE key = ${Buffer.from(key)}
      RETURNING namespace_id, key)
    SELECT pg_notify('outpost_kv', namespace_id::text || ':' || encode(key, 'hex')) FROM changed`;
}

describe("expiry", () => {
  it("expiration: an expired key is invisible to every read and list, and the sweep deletes it", async () => {
    await kv("put", ["exp/a", "v", { expirationTtl: 3600, metadata: { m: 1 } }]);
    await kv("put", ["exp/b", "stays"]);
    expect(await kv("get", ["exp/a"])).toEqual({ result: "v" });

    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      await expireNow(sql, "exp/a");
      await waitUntil(async () => (await kv("get", ["exp/a"])).result === null, 5000);
      expect(await kv("getWithMetadata", ["exp/a"])).toEqual({ result: { value: null, metadata: null, cacheStatus: null } });
      expect(await kv("get", [["exp/a", "exp/b"]])).toEqual({ result: { "exp/a": null, "exp/b": "stays" } });
      expect(await kv("exists", ["exp/a"])).toEqual({ result: false });
      expect((await kv("list", [{ prefix: "exp/" }])).result.keys).toEqual([{ name: "exp/b" }]);

      const swept = await platform.admin("POST", "/v1/maintenance/sweep");
      expect(swept).toEqual({ status: 200, body: { deleted: 1, abortedUploads: 0, collectedBlobs: 0 } });
      expect(await sql`SELECT count(*)::int AS n FROM kv_entries WHERE key = ${Buffer.from("exp/a")}`).toEqual([{ n: 0 }]);
      expect(await kv("putIfAbsent", ["exp/a", "new"])).toEqual({ result: true });
    } finally {
      await sql.end();
    }
  });

  it("expiration: putIfAbsent treats an expired but unswept key as absent", async () => {
    await kv("put", ["exp/c", "old", { expirationTtl: 3600 }]);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      await expireNow(sql, "exp/c");
    } finally {
      await sql.end();
    }
    expect(await kv("putIfAbsent", ["exp/c", "new"])).toEqual({ result: true });
    expect(await kv("getWithMetadata", ["exp/c"])).toEqual({ result: { value: "new", metadata: null, cacheStatus: null } });
  });
});

describe("cloudflare:workers", () => {
  it("import { env }: the module-level env has KVNamespace objects, like the handler's", async () => {
    const source = `import { env, WorkerEntrypoint } from "cloudflare:workers";
      const atLoad = typeof env.KV.getWithMetadata;
      export default { async fetch(request, handlerEnv) {
        await env.KV.put("imported/a", "via the import", { metadata: { from: "import" } });
        const read = await handlerEnv.KV.getWithMetadata("imported/a");
        return Response.json({ atLoad, value: read.value, metadata: read.metadata, entrypoint: typeof WorkerEntrypoint });
      } };`;
    await platform.deploy("kv-import", await workerFile(source), { kv: { KV: "kvx" } });
    expect(JSON.parse((await platform.fetchWorker("kv-import", "/")).text)).toEqual({
      atLoad: "function",
      value: "via the import",
      metadata: { from: "import" },
      entrypoint: "function",
    });
  });
});
