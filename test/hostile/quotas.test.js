// Per-tenant quotas: each one hit from the tenant's side (worker code or the admin API) answers
// with an error naming the quota, keeps what the tenant stored, and leaves other tenants alone;
// a tenant can neither raise its own quotas nor read another's usage.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, taggedWorker, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let probe;
/** @type {string} */
let acmeToken;

// Each path writes `size` bytes through one binding and answers what it got, error included.
const PROBE = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key") ?? "k";
    const bytes = "x".repeat(Number(url.searchParams.get("size") ?? "0"));
    const attempt = async (fn) => { try { const value = await fn(); return Response.json({ ok: value === undefined ? true : value }); } catch (error) { return Response.json({ error: error.message }); } };
    switch (url.pathname) {
      case "/kv-put": return attempt(() => env.KV.put(key, bytes));
      case "/kv-burst": {
        const puts = Array.from({ length: 40 }, (_, i) => env.KV.put(key + i, bytes).then(() => "stored", (error) => error.message));
        return Response.json(await Promise.all(puts));
      }
      case "/vault-set": return attempt(() => env.VAULT.set(key, "value"));
      case "/kv-get": return attempt(async () => (await env.KV.get(key))?.length ?? null);
      case "/kv-delete": return attempt(() => env.KV.delete(key));
      case "/r2-put": return attempt(async () => (await env.R2.put(key, bytes)).size);
      case "/r2-put-stream": return attempt(async () => (await env.R2.put(key, new Blob([bytes]).stream())).size);
      case "/r2-get": return attempt(async () => (await env.R2.head(key))?.size ?? null);
      case "/r2-part": return attempt(async () => {
        const upload = await env.R2.createMultipartUpload(key);
        try { await upload.uploadPart(1, bytes); } finally { await upload.abort().catch(() => {}); }
      });
      case "/send": return attempt(async () => { await env.Q.send(bytes); });
      case "/send-batch": return attempt(async () => { await env.Q.sendBatch([{ body: bytes }, { body: bytes }]); });
    }
    return new Response("?", { status: 404 });
  },
};`;

/** @param {string} worker @param {string} path */
const call = async (worker, path) => JSON.parse((await platform.fetchWorker(worker, path)).text);
/** @param {string} tenant @returns {Promise<Record<string, any>>} */
const usage = async (tenant) =>
  Object.fromEntries((await platform.admin("GET", `/v1/tenants/${tenant}/usage`)).body.usage.map((/** @type {any} */ row) => [row.resource, row]));
/** @param {string} tenant @param {Record<string, unknown>} quotas */
const setQuotas = (tenant, quotas) => platform.admin("PATCH", `/v1/tenants/${tenant}/quotas`, quotas);
/** @param {string} name @param {string} tenant */
const deployProbe = (name, tenant) =>
  platform.deploy(name, probe, { tenant, kv: { KV: "data" }, r2: { R2: "files" }, vaults: ["VAULT"], queues: { producers: { Q: { queue: `${name}-jobs` } } } });

beforeAll(async () => {
  platform = await startPlatform();
  probe = await workerFile(PROBE);
  await deployProbe("acme-probe", "acme");
  await deployProbe("other-probe", "other");
  acmeToken = (await platform.admin("POST", "/v1/tokens", { name: "acme", tenant: "acme" })).body.token;
});
afterAll(() => platform?.stop());

describe("stored bytes", () => {
  it("kv_bytes: a put past the quota is refused with its name; stored values stay; a replacement counts its difference only", async () => {
    expect((await setQuotas("acme", { kv_bytes: 3000 })).status).toBe(200);
    expect(await call("acme-probe", "/kv-put?key=a&size=1000")).toEqual({ ok: true });
    expect(await call("acme-probe", "/kv-put?key=b&size=1000")).toEqual({ ok: true });
    expect((await call("acme-probe", "/kv-put?key=c&size=1500")).error).toBe("tenant acme is over its kv_bytes quota (3503 of 3000 bytes with this change)");
    expect(await call("acme-probe", "/kv-get?key=a")).toEqual({ ok: 1000 });
    expect(await call("acme-probe", "/kv-get?key=c")).toEqual({ ok: null });
    // 2002 used: a new key of 1000 bytes would make 3003, growing "a" by 990 makes 2992.
    expect((await call("acme-probe", "/kv-put?key=d&size=1000")).error).toMatch(/over its kv_bytes quota \(3003 of 3000/);
    expect(await call("acme-probe", "/kv-put?key=a&size=1990")).toEqual({ ok: true });
    expect((await usage("acme")).kv_bytes).toMatchObject({ used: 2992, quota: 3000, unit: "bytes", overridden: true });
    expect(await call("other-probe", "/kv-put?key=big&size=10000")).toEqual({ ok: true });
    expect(await call("acme-probe", "/kv-delete?key=a")).toEqual({ ok: true });
    expect((await usage("acme")).kv_bytes.used).toBe(1001);
  });

  it("kv_bytes: concurrent writers overshoot by at most one write per other database connection, and usage matches what is stored", async () => {
    await setQuotas("burst", { kv_bytes: 10_000 });
    await deployProbe("burst-probe", "burst");
    // Two requests at once, so both workerd processes (4 connections in all) may write.
    const results = (await Promise.all([1, 2].map((n) => call("burst-probe", `/kv-burst?key=w${n}-&size=1000`)))).flat();
    const stored = results.filter((result) => result === "stored").length;
    expect(results.filter((result) => result !== "stored").every((message) => /^tenant burst is over its kv_bytes quota/.test(message))).toBe(true);
    const used = (await usage("burst")).kv_bytes.used;
    expect(stored).toBeGreaterThanOrEqual(9);
    expect(used).toBeLessThanOrEqual(10_000 + 3 * 1004);
    expect(used).toBe(results.reduce((sum, result, i) => sum + (result === "stored" ? 1000 + `w${i < 40 ? 1 : 2}-${i % 40}`.length : 0), 0));
  });

  it("r2_bytes: a put or an uploaded part past the quota is refused; the object stored stays", async () => {
    await setQuotas("acme", { r2_bytes: 4096 });
    expect(await call("acme-probe", "/r2-put?key=first&size=3000")).toEqual({ ok: 3000 });
    expect((await call("acme-probe", "/r2-put?key=second&size=2000")).error).toBe(
      "tenant acme is over its r2_bytes quota (5000 of 4096 bytes with this change)",
    );
    expect((await call("acme-probe", "/r2-part?key=third&size=2000")).error).toMatch(/^tenant acme is over its r2_bytes quota \(5000 of 4096 bytes/);
    // A stream's length is known only once it is stored: the refused blob is deleted at once.
    const blobs = async () => (await readdir(join(platform.dataDir, "blobs"), { recursive: true })).length;
    const before = await blobs();
    expect((await call("acme-probe", "/r2-put-stream?key=fourth&size=2000")).error).toBe(
      "tenant acme is over its r2_bytes quota (5000 of 4096 bytes with this change)",
    );
    expect(await blobs()).toBe(before);
    expect(await call("acme-probe", "/r2-get?key=first")).toEqual({ ok: 3000 });
    expect(await call("acme-probe", "/r2-get?key=second")).toEqual({ ok: null });
    expect(await call("acme-probe", "/r2-put?key=first&size=4000")).toEqual({ ok: 4000 });
    expect((await usage("acme")).r2_bytes.used).toBe(4000);
    expect(await call("other-probe", "/r2-put?key=big&size=10000")).toEqual({ ok: 10000 });
  });
});

describe("queue backlog", () => {
  it("queue_messages: a send past the backlog quota is refused; messages already queued stay", async () => {
    await setQuotas("acme", { queue_messages: 3 });
    expect(await call("acme-probe", "/send?size=10")).toEqual({ ok: true });
    expect(await call("acme-probe", "/send-batch?size=10")).toEqual({ ok: true });
    expect((await call("acme-probe", "/send?size=10")).error).toBe("tenant acme is over its queue_messages quota (4 of 3 messages with this change)");
    const queues = (await platform.admin("GET", "/v1/queues?tenant=acme")).body.queues;
    expect(queues.find((/** @type {any} */ queue) => queue.name === "acme-probe-jobs").depth).toBe(3);
    expect(await call("other-probe", "/send-batch?size=10")).toEqual({ ok: true });
  });

  // A message's stored size is its body as sent (a string of 10 characters is 12 bytes serialised).
  it("queue_bytes: a send past the bytes quota is refused, from a worker and from the admin API", async () => {
    await setQuotas("acme", { queue_messages: null, queue_bytes: 100 });
    expect((await call("acme-probe", "/send?size=80")).error).toMatch(/^tenant acme is over its queue_bytes quota \(118 of 100 bytes/);
    const published = await platform.admin("POST", "/v1/queues/acme-probe-jobs/messages?tenant=acme", {
      messages: [{ body: "y".repeat(80), contentType: "text" }],
    });
    expect(published.status).toBe(413);
    expect(published.body.error.code).toBe("ERR_QUOTA_EXCEEDED");
    expect((await usage("acme")).queue_bytes).toMatchObject({ used: 36, quota: 100 });
  });
});

describe("counted resources at the admin API", () => {
  it("secrets: a vault entry past the quota is refused with 403 ERR_QUOTA_EXCEEDED; changing one stored is not", async () => {
    await setQuotas("acme", { secrets: 1 });
    expect((await platform.admin("PUT", "/v1/vault/one", { value: "1" }, acmeToken)).status).toBe(204);
    const refused = await platform.admin("PUT", "/v1/vault/two", { value: "2" }, acmeToken);
    expect(refused).toEqual({
      status: 403,
      body: { error: { code: "ERR_QUOTA_EXCEEDED", message: "tenant acme is over its secrets quota (2 of 1 secrets with this change)" } },
    });
    expect((await platform.admin("PUT", "/v1/vault/one", { value: "changed" }, acmeToken)).status).toBe(204);
    expect((await call("acme-probe", "/vault-set?key=three")).error).toBe("tenant acme is over its secrets quota (2 of 1 secrets with this change)");
    expect(await call("acme-probe", "/vault-set?key=one")).toEqual({ ok: true });
    expect((await platform.admin("GET", "/v1/vault", undefined, acmeToken)).body.secrets.map((/** @type {any} */ s) => s.name)).toEqual(["one"]);
    expect((await platform.admin("PUT", "/v1/vault/two?tenant=other", { value: "2" })).status).toBe(204);
  });

  it("workers and versions: a deploy past either quota is refused; the worker serving stays", async () => {
    await setQuotas("acme", { workers: 1 });
    const refused = await platform.admin("PUT", "/v1/workers/acme-second", { ...(await taggedWorker("second")) }, acmeToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("tenant acme is over its workers quota (2 of 1 workers with this change)");
    expect((await platform.fetchWorker("acme-second")).status).toBe(404);

    const stored = (await usage("acme")).versions.used;
    await setQuotas("acme", { versions: stored });
    const redeploy = await platform.admin("PUT", "/v1/workers/acme-probe", { ...(await taggedWorker("v2")), tenant: "acme" });
    expect(redeploy.status).toBe(403);
    expect(redeploy.body.error.message).toMatch(/^tenant acme is over its versions quota/);
    expect(await call("acme-probe", "/kv-get?key=b")).toEqual({ ok: 1000 });
    await platform.deploy("other-second", await workerFile("export default { fetch: () => new Response('ok') };"), { tenant: "other" });
  });

  it("domains and routes: a registration or a deploy's routes past the quota is refused", async () => {
    await setQuotas("acme", { domains: 1, routes: 1, workers: null, versions: null });
    expect((await platform.admin("PUT", "/v1/domains/acme.test", { tenant: "acme" })).status).toBe(201);
    const second = await platform.admin("PUT", "/v1/domains/acme2.test", { tenant: "acme" });
    expect(second.status).toBe(403);
    expect(second.body.error.message).toBe("tenant acme is over its domains quota (2 of 1 domains with this change)");
    const routed = await platform.admin("PUT", "/v1/workers/acme-routed", {
      ...(await taggedWorker("r")),
      tenant: "acme",
      routes: ["acme.test/a/*", "acme.test/b/*"],
    });
    expect(routed.status).toBe(403);
    expect(routed.body.error.message).toBe("tenant acme is over its routes quota (2 of 1 routes with this change)");
    expect((await platform.admin("GET", "/v1/workers/acme-routed")).status).toBe(404);
  });

  it("tokens: a token past the quota is refused", async () => {
    await setQuotas("acme", { tokens: 1 });
    const refused = await platform.admin("POST", "/v1/tokens", { name: "another", tenant: "acme" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("tenant acme is over its tokens quota (2 of 1 tokens with this change)");
    expect((await platform.admin("POST", "/v1/tokens", { name: "other", tenant: "other" })).status).toBe(201);
  });

  it("deploys_per_minute: deploys past the quota in a minute are refused with 429, before the version is loaded", async () => {
    await setQuotas("rate", { deploys_per_minute: 3 });
    /** @type {number[]} */
    const statuses = [];
    // A minute may turn once during the loop, so at most 6 deploys pass before one is refused.
    for (let i = 0; i < 8 && !statuses.includes(429); i++) {
      statuses.push((await platform.admin("PUT", "/v1/workers/rate-app", { ...(await taggedWorker(`v${i}`)), tenant: "rate" })).status);
    }
    expect(statuses).toContain(429);
    const refused = await platform.admin("PUT", "/v1/workers/rate-app", { ...(await taggedWorker("again")), tenant: "rate" });
    expect(refused.body.error).toEqual({
      code: "ERR_QUOTA_EXCEEDED",
      message: "tenant rate is over its deploys_per_minute quota (4 of 3 deploys with this change)",
    });
    expect((await platform.fetchWorker("rate-app")).status).toBe(200);
  });
});

describe("log volume", () => {
  const CHATTY = `export default { fetch(request) {
    const tag = new URL(request.url).searchParams.get("tag");
    for (let i = 0; i < 30; i++) console.log(tag + " " + "z".repeat(200));
    return new Response("logged");
  } };`;

  it("log_bytes_per_minute: past it the tenant's entries are dropped, with one line naming the quota; another tenant's print", async () => {
    await setQuotas("loud", { log_bytes_per_minute: 2000 });
    await platform.deploy("loud-app", await workerFile(CHATTY), { tenant: "loud", observability: { enabled: true } });
    await platform.deploy("quiet-app", await workerFile(CHATTY), { tenant: "other", observability: { enabled: true } });
    expect((await platform.fetchWorker("loud-app", "/?tag=LOUDMARK")).text).toBe("logged");
    expect((await platform.fetchWorker("quiet-app", "/?tag=QUIETMARK")).text).toBe("logged");
    const lines = (/** @type {string} */ tag) => platform.events().filter((event) => String(event.msg).startsWith(tag)).length;
    await waitUntil(() => lines("QUIETMARK") === 30, 10_000);
    await waitUntil(
      () => platform.events().some((event) => event.src === "runner" && /^tenant loud is over its log_bytes_per_minute quota \(2000 bytes\)/.test(event.msg)),
      10_000,
    );
    expect(lines("LOUDMARK")).toBeGreaterThan(0);
    expect(lines("LOUDMARK")).toBeLessThan(10);
  });
});

describe("who may read and change quotas", () => {
  it("tenant token: reads its own usage, never another tenant's, and cannot change any quota", async () => {
    expect((await platform.admin("GET", "/v1/usage", undefined, acmeToken)).body.tenant).toBe("acme");
    expect((await platform.admin("GET", "/v1/tenants/acme/usage", undefined, acmeToken)).status).toBe(200);
    expect((await platform.admin("GET", "/v1/tenants/other/usage", undefined, acmeToken)).status).toBe(403);
    expect((await platform.admin("GET", "/v1/usage?tenant=other", undefined, acmeToken)).status).toBe(403);
    for (const method of ["PUT", "PATCH"]) {
      const raised = await platform.admin(method, "/v1/tenants/acme/quotas", { kv_bytes: 1e12 }, acmeToken);
      expect(raised.status).toBe(403);
    }
    expect((await usage("acme")).kv_bytes.quota).toBe(3000);
  });

  it("operator: bad quotas are refused whole; PUT drops the overrides it does not name; unknown tenants are 404", async () => {
    expect((await setQuotas("acme", { kv_bytes: -1 })).status).toBe(400);
    expect((await setQuotas("acme", { disk: 5 })).status).toBe(400);
    expect((await setQuotas("acme", { kv_bytes: 1.5 })).status).toBe(400);
    expect((await usage("acme")).kv_bytes.quota).toBe(3000);
    const replaced = await platform.admin("PUT", "/v1/tenants/acme/quotas", { tokens: 5 });
    const rows = Object.fromEntries(replaced.body.usage.map((/** @type {any} */ row) => [row.resource, row]));
    expect(rows.tokens).toMatchObject({ quota: 5, overridden: true });
    expect(rows.kv_bytes).toMatchObject({ quota: 1024 ** 3, overridden: false });
    expect((await platform.admin("GET", "/v1/tenants/nobody/usage")).status).toBe(404);
  });
});
