// Postgres goes away under a running host: every method of every binding answers tenant code with
// the binding's own internal error (Cloudflare's wording), nothing of the failure reaches tenant
// code, the platform log says what failed, and once Postgres is back the bindings work and no
// failed call left anything behind. The rule is runner/tenant-errors.ts.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {import("postgres").Sql} the `postgres` database, as the cluster's superuser */
let superuser;

// Each call runs on its own; its outcome is its value or its error (name, message, stack), or
// that it had not settled within 20 s (a database call must fail within 10 s: tenant-errors.ts).
const WORKER = `
async function outcome(call) {
  try {
    const value = await Promise.race([call(), new Promise((resolve, reject) => setTimeout(() => reject({ hung: true }), 20000))]);
    return { value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
  } catch (error) {
    if (error.hung) return { hung: true };
    return { error: { name: error.name, message: error.message, stack: String(error.stack) } };
  }
}
async function outcomes(calls) {
  const results = {};
  for (const [name, call] of Object.entries(calls)) results[name] = await outcome(call);
  return results;
}
const text = async (object) => (object === null ? null : await object.text());

export default {
  async fetch(request, env) {
    const { phase, seeded } = await request.json();
    if (phase === "seed") {
      await env.KV.put("seed", "kept");
      await env.BUCKET.put("seed", "kept");
      const upload = await env.BUCKET.createMultipartUpload("assembled");
      const part = await upload.uploadPart(1, "the only part");
      await env.VAULT.set("api-key", "secret value");
      await env.QUEUE.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }]);
      const leased = await env.QUEUE.receive({ batchSize: 3, visibilityTimeoutMs: 600000 });
      return Response.json({ uploadId: upload.uploadId, part, leaseIds: leased.map((message) => message.leaseId) });
    }
    if (phase === "warm") return Response.json({ warm: true });
    if (phase === "probe") return Response.json(await outcome(() => env.KV.get("probe")));
    if (phase === "send") return Response.json(await outcomes({ send: () => env.QUEUE.send("while down") }));
    if (phase === "down") {
      const upload = env.BUCKET.resumeMultipartUpload("assembled", seeded.uploadId);
      const [first, second, third] = seeded.leaseIds;
      return Response.json(await outcomes({
        "KV get": () => env.KV.get("never-read"),
        "KV getWithMetadata": () => env.KV.getWithMetadata("never-read-either"),
        "KV get bulk": () => env.KV.get(["bulk-a", "bulk-b"]),
        "KV getWithVersion": () => env.KV.getWithVersion("versioned"),
        "KV exists": () => env.KV.exists("maybe"),
        "KV list": () => env.KV.list({ prefix: "s" }),
        "KV put": () => env.KV.put("written-while-down", "lost"),
        "KV putIfAbsent": () => env.KV.putIfAbsent("created-while-down", "lost"),
        "KV putIfVersion": () => env.KV.putIfVersion("seed", "lost", "0".repeat(32)),
        "KV delete": () => env.KV.delete("seed"),
        "R2 head": () => env.BUCKET.head("seed"),
        "R2 get": async () => text(await env.BUCKET.get("seed")),
        "R2 put": () => env.BUCKET.put("written-while-down", "lost"),
        "R2 delete": () => env.BUCKET.delete("seed"),
        "R2 list": () => env.BUCKET.list(),
        "R2 createMultipartUpload": () => env.BUCKET.createMultipartUpload("started-while-down"),
        "R2 uploadPart": () => upload.uploadPart(2, "lost part"),
        "R2 complete": () => upload.complete([seeded.part]),
        "R2 abort": () => upload.abort(),
        "R2 createPresignedUrl": () => env.BUCKET.createPresignedUrl("seed"),
        "queue send": () => env.QUEUE.send("lost"),
        "queue sendBatch": () => env.QUEUE.sendBatch([{ body: "lost" }, { body: "lost too" }]),
        "queue metrics": () => env.QUEUE.metrics(),
        "queue receive": () => env.QUEUE.receive(1),
        "queue ack": () => env.QUEUE.ack(first),
        "queue nack": () => env.QUEUE.nack(second),
        "queue changeVisibility": () => env.QUEUE.changeVisibility(third, 1000),
        "vault get": () => env.VAULT.get("api-key"),
        "vault set": () => env.VAULT.set("set-while-down", "lost"),
        "vault delete": () => env.VAULT.delete("api-key"),
        "vault list": () => env.VAULT.list(),
        "Secrets Store get": () => env.API_KEY.get(),
      }));
    }
    // Postgres is back: what the failed calls left, then the bindings at work.
    const upload = env.BUCKET.resumeMultipartUpload("assembled", seeded.uploadId);
    return Response.json(await outcomes({
      "KV left": async () => [await env.KV.get("written-while-down"), await env.KV.get("created-while-down"), await env.KV.get("seed")],
      "R2 left": async () => [await env.BUCKET.head("written-while-down"), await text(await env.BUCKET.get("seed")), (await env.BUCKET.list()).objects.map((o) => o.key)],
      "R2 upload still open": async () => text(await env.BUCKET.get((await upload.complete([seeded.part])).key)),
      "vault left": async () => [await env.VAULT.get("set-while-down"), await env.VAULT.get("api-key"), await env.API_KEY.get(), await env.VAULT.list()],
      "queue left": async () => {
        await env.QUEUE.ack(seeded.leaseIds);
        return (await env.QUEUE.metrics()).backlogCount;
      },
      "KV works": async () => { await env.KV.put("after", "yes"); return env.KV.get("after"); },
      "R2 works": async () => { await env.BUCKET.put("after", "yes"); return text(await env.BUCKET.get("after")); },
      "queue works": async () => { await env.QUEUE.send("after"); return (await env.QUEUE.receive(1)).map((message) => message.body); },
      "vault works": async () => { await env.VAULT.set("after", "yes"); return env.VAULT.get("after"); },
    }));
  },
};`;

const BINDINGS = {
  kv: { KV: "cache" },
  r2: { BUCKET: "files" },
  vaults: ["VAULT"],
  secretsStore: { API_KEY: { secret: "api-key" } },
  queues: { producers: { QUEUE: { queue: "work" } }, consumers: [{ queue: "work", type: "http_pull" }] },
};

const R2_INTERNAL = "We encountered an internal error. Please try again. (10001)";
const KV_INTERNAL = "failed: 500 Internal Server Error";

/** Every call during the outage and the message tenant code must see for it. @type {Record<string, string>} */
const EXPECTED = {
  "KV get": `KV GET ${KV_INTERNAL}`,
  "KV getWithMetadata": `KV GET ${KV_INTERNAL}`,
  "KV get bulk": `KV GET_BULK ${KV_INTERNAL}`,
  "KV getWithVersion": `KV GET ${KV_INTERNAL}`,
  "KV exists": `KV GET ${KV_INTERNAL}`,
  "KV list": `KV GET ${KV_INTERNAL}`,
  "KV put": `KV PUT ${KV_INTERNAL}`,
  "KV putIfAbsent": `KV PUT ${KV_INTERNAL}`,
  "KV putIfVersion": `KV PUT ${KV_INTERNAL}`,
  "KV delete": `KV DELETE ${KV_INTERNAL}`,
  "R2 head": `head: ${R2_INTERNAL}`,
  "R2 get": `get: ${R2_INTERNAL}`,
  "R2 put": `put: ${R2_INTERNAL}`,
  "R2 delete": `delete: ${R2_INTERNAL}`,
  "R2 list": `list: ${R2_INTERNAL}`,
  "R2 createMultipartUpload": `createMultipartUpload: ${R2_INTERNAL}`,
  "R2 uploadPart": `uploadPart: ${R2_INTERNAL}`,
  "R2 complete": `completeMultipartUpload: ${R2_INTERNAL}`,
  "R2 abort": `abortMultipartUpload: ${R2_INTERNAL}`,
  "R2 createPresignedUrl": `createPresignedUrl: ${R2_INTERNAL}`,
  "queue send": "Queue send failed: Internal Server Error",
  "queue sendBatch": "Queue sendBatch failed: Internal Server Error",
  "queue metrics": "Queue metrics failed: Internal Server Error",
  "queue receive": "Queue receive failed: Internal Server Error",
  "queue ack": "Queue ack failed: Internal Server Error",
  "queue nack": "Queue nack failed: Internal Server Error",
  "queue changeVisibility": "Queue changeVisibility failed: Internal Server Error",
  "vault get": "Vault get failed: Internal Server Error",
  "vault set": "Vault set failed: Internal Server Error",
  "vault delete": "Vault delete failed: Internal Server Error",
  "vault list": "Vault list failed: Internal Server Error",
  "Secrets Store get": "Secrets Store get failed: Internal Server Error",
};

/** @param {string} worker @param {Record<string, unknown>} body */
async function run(worker, body) {
  const response = await platform.fetchWorker(worker, "/", { method: "POST", body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return JSON.parse(response.text);
}

// Loopback only: the embedded cluster listens on 127.0.0.1. New connections to the platform's
// database are refused, and the ones it holds (pool, LISTEN) are cut.
async function stopDatabase() {
  await superuser`ALTER DATABASE outpost ALLOW_CONNECTIONS false`;
  await superuser`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'outpost' AND pid <> pg_backend_pid()`;
}

async function startDatabase() {
  await superuser`ALTER DATABASE outpost ALLOW_CONNECTIONS true`;
}

/** What tenant code saw while Postgres was down, and after it came back. */
const seen = { down: /** @type {Record<string, any>} */ ({}), coded: /** @type {Record<string, any>} */ ({}), after: /** @type {Record<string, any>} */ ({}) };

beforeAll(async () => {
  // One workerd process, so the warm routing cache that lets a request reach the worker while
  // Postgres is down is the one every request meets.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  superuser = postgres((await platform.databaseUrl()).replace(/\/outpost$/, "/postgres"), { max: 1, onnotice: () => {} });
  const entry = await workerFile(WORKER);
  await platform.deploy("down", entry, { ...BINDINGS, compatibilityDate: "2026-01-01" });
  // From 2026-03-12 (queue_expose_error_codes) queue errors carry Cloudflare's code instead.
  await platform.deploy("down-coded", entry, { ...BINDINGS, queues: { producers: BINDINGS.queues.producers }, compatibilityDate: "2026-04-01" });

  // One outage for every binding: seed, cut Postgres off, call every method, bring it back.
  const seeded = await run("down", { phase: "seed" });
  expect(seeded.leaseIds).toHaveLength(3);
  expect(await run("down-coded", { phase: "warm" })).toEqual({ warm: true });
  await stopDatabase();
  try {
    seen.down = await run("down", { phase: "down", seeded });
    seen.coded = await run("down-coded", { phase: "send" });
  } finally {
    await startDatabase();
  }
  // The pool reconnects on its next query.
  await waitUntil(async () => "value" in (await run("down", { phase: "probe" })), 20_000);
  seen.after = await run("down", { phase: "after", seeded });
});
afterAll(async () => {
  await startDatabase().catch(() => {});
  await superuser?.end();
  await platform?.stop();
});

/**
 * The calls whose names start with `prefix` got exactly their internal error (no value, no hang,
 * no runner frames), and the platform log has the real failure for the binding.
 * @param {string} prefix @param {string[]} bindings
 */
async function expectInternalErrors(prefix, bindings) {
  const names = Object.keys(EXPECTED).filter((name) => name.startsWith(prefix));
  expect(Object.fromEntries(names.map((name) => [name, seen.down[name]?.error?.message ?? seen.down[name]]))).toEqual(
    Object.fromEntries(names.map((name) => [name, EXPECTED[name]])),
  );
  for (const name of names) {
    const { error } = seen.down[name];
    expect(error.name).toBe("Error");
    // The tenant's own frames (its code, the shim) are there; none of the runner's.
    expect(error.stack.startsWith(`Error: ${error.message}\n`)).toBe(true);
    expect(JSON.stringify(error)).not.toMatch(/runner\.js|postgres|sql|select|insert|accepting connections/i);
  }
  for (const binding of bindings) {
    const loggedNow = () =>
      platform.events().filter((event) => event.level === "error" && event.msg.endsWith(` for default/down binding ${binding}: database failed`));
    // Log lines reach the platform's output a moment after the calls answer.
    await waitUntil(() => loggedNow().length > 0, 5000).catch(() => {});
    const logged = loggedNow();
    expect(logged.length, binding).toBeGreaterThan(0);
    expect(logged.every((event) => /accepting connections|terminat|CONNECTION|no answer from the database/i.test(event.error))).toBe(true);
  }
}

describe("database down", () => {
  it("database down: every KV method gives tenant code workerd's KV internal error; afterwards nothing was written and KV works", async () => {
    await expectInternalErrors("KV ", ["KV"]);
    expect(seen.after["KV left"]).toEqual({ value: [null, null, "kept"] });
    expect(seen.after["KV works"]).toEqual({ value: "yes" });
  });

  it("database down: every R2 method gives tenant code R2's internal error (10001); afterwards nothing was written, the upload is still open and R2 works", async () => {
    await expectInternalErrors("R2 ", ["BUCKET"]);
    expect(seen.after["R2 left"]).toEqual({ value: [null, "kept", ["seed"]] });
    expect(seen.after["R2 upload still open"]).toEqual({ value: "the only part" });
    expect(seen.after["R2 works"]).toEqual({ value: "yes" });
  });

  it("database down: send, sendBatch, metrics and the pull methods give the queue's internal error, coded from 2026-03-12; afterwards no message was stored, the leases held and the queue works", async () => {
    await expectInternalErrors("queue ", ["QUEUE"]);
    expect(seen.coded.send.error).toMatchObject({ name: "Error", message: "Unknown Internal Error (15000)" });
    expect(seen.after["queue left"]).toEqual({ value: 0 });
    expect(seen.after["queue works"]).toEqual({ value: ["after"] });
  });

  it("database down: the vault and a Secrets Store secret give their internal error; afterwards nothing was set or deleted and the vault works", async () => {
    await expectInternalErrors("vault ", ["VAULT"]);
    await expectInternalErrors("Secrets Store ", ["API_KEY"]);
    expect(seen.after["vault left"]).toEqual({ value: [null, "secret value", "secret value", ["api-key"]] });
    expect(seen.after["vault works"]).toEqual({ value: "yes" });
  });
});
