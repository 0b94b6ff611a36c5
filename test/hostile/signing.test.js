// Attacks on what the platform signs or versions: presigned URLs and list cursors (signed with a
// key derived from the master key, never stored; rotated by `rotate-key`), KV versions (random,
// so they reveal nothing about other tenants), and asset uploads under a hash already stored.
import { createHash, createHmac, hkdfSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {import("../helpers/platform.js").Platform} */
let secondHost;
/** @type {string} */
let masterKey;
/** @type {postgres.Sql} */
let sql;

// Runs the JSON body's `op` on env[binding] and answers the outcome as JSON.
const WORKER = `export default {
  async fetch(request, env) {
    const { binding, op, args = [] } = await request.json();
    try {
      let result = await env[binding][op](...args);
      if (binding === "BUCKET" && op === "put") result = null;
      if (binding === "BUCKET" && op === "list") result = { keys: result.objects.map((o) => o.key), truncated: result.truncated, cursor: result.cursor };
      if (op === "list" && binding === "KV") result = { keys: result.keys.map((k) => k.name), cursor: result.cursor };
      return Response.json({ result: result ?? null });
    } catch (error) {
      return Response.json({ error: error.name + ": " + error.message });
    }
  },
};`;

const KV_INVALID = "Error: KV GET failed: 400 Invalid cursor. Pass the cursor from the previous list() result unchanged.";
const R2_INVALID = "TypeError: list: Invalid cursor. Pass the cursor from the previous list() result unchanged.";

/**
 * @param {string} worker
 * @param {string} binding
 * @param {string} op
 * @param {unknown[]} args
 */
async function call(worker, binding, op, args) {
  const response = await platform.fetchWorker(worker, "/", { method: "POST", body: JSON.stringify({ binding, op, args }) });
  return JSON.parse(response.text);
}

/** @param {string} key @param {string} [method] @param {number} [expiresIn] */
async function presign(key, method = "GET", expiresIn = 3600) {
  return new URL((await call("alice", "BUCKET", "createPresignedUrl", [key, { method, expiresIn }])).result);
}

/** @param {URL} url @param {{ method?: string, body?: string }} [init] @param {number} [port] */
const use = (url, init = {}, port = platform.port) => httpRequest(port, url.hostname, url.pathname, init);

/** @param {URL} url */
function claimsOf(url) {
  const [payload, signature] = url.pathname.slice(1).split(".");
  return { claims: JSON.parse(Buffer.from(payload ?? "", "base64url").toString()), signature: signature ?? "" };
}

/** @param {object} claims @param {string} signature */
function tokenUrl(claims, signature) {
  return new URL(`http://storage.localhost/${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`);
}

/** The signing key as docs/security.md documents it: HMAC key = HKDF-SHA-256(master key, active salt, "outpost signing"). */
async function derivedSigningKey() {
  const [active] = await sql`SELECT salt FROM secret_keys WHERE active`;
  return Buffer.from(hkdfSync("sha256", Buffer.from(masterKey, "base64"), active?.salt, "outpost signing", 32));
}

/** @param {Buffer} key @param {object} claims */
function signWith(key, claims) {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return new URL(`http://storage.localhost/${payload}.${createHmac("sha256", key).update(`outpost-presigned\n${payload}`).digest("base64url")}`);
}

beforeAll(async () => {
  platform = await startPlatform();
  masterKey = (await readFile(join(platform.dataDir, "master-key"), "utf8")).trim();
  sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  const entry = await workerFile(WORKER);
  await platform.deploy("alice", entry, { kv: { KV: "data", OTHER: "other" }, r2: { BUCKET: "files" } });
  await platform.deploy("mallory", entry, { kv: { KV: "data" }, r2: { BUCKET: "files" }, tenant: "evil" });
  for (const key of ["list/1", "list/2", "list/3"]) {
    await call("alice", "KV", "put", [key, "v"]);
    await call("alice", "BUCKET", "put", [key, "v"]);
  }
  await call("alice", "BUCKET", "put", ["report.txt", "alice's report"]);
  await call("mallory", "BUCKET", "put", ["report.txt", "mallory's report"]);
  secondHost = await startPlatform({ env: { DATABASE_URL: await platform.databaseUrl(), OUTPOST_MASTER_KEY: masterKey } });
});
afterAll(async () => {
  await sql?.end();
  await secondHost?.stop();
  await platform?.stop();
});

describe("presigned URLs", () => {
  it("presigned: altering the bucket, tenant, key, method or expiry is refused with 403", async () => {
    const url = await presign("report.txt");
    expect(await use(url)).toMatchObject({ status: 200, text: "alice's report" });
    const { claims, signature } = claimsOf(url);
    const [mallorysBucket] = await sql`SELECT b.id::text AS id FROM r2_buckets b WHERE b.tenant = 'evil'`;
    const alterations = [
      { ...claims, bucketId: mallorysBucket?.id },
      { ...claims, tenant: "evil" },
      { ...claims, key: "list/1" },
      { ...claims, method: "PUT" },
      { ...claims, expires: claims.expires + 60 },
    ];
    for (const altered of alterations) {
      expect(await use(tokenUrl(altered, signature))).toMatchObject({ status: 403, text: "Presigned URL refused: invalid signature.\n" });
    }
    expect(await use(url, { method: "DELETE" })).toMatchObject({ status: 403, text: "Presigned URL refused: it allows GET, not DELETE.\n" });
  });

  it("presigned: a URL for another tenant's bucket of the same name reaches only its own bucket", async () => {
    const mallorys = new URL((await call("mallory", "BUCKET", "createPresignedUrl", ["report.txt"])).result);
    expect(await use(mallorys)).toMatchObject({ status: 200, text: "mallory's report" });
    expect(await use(await presign("report.txt"))).toMatchObject({ status: 200, text: "alice's report" });
  });

  it("presigned: even a token signed with the real key is refused when it expires more than 7 days ahead", async () => {
    const key = await derivedSigningKey();
    const { claims } = claimsOf(await presign("report.txt"));
    // The test's derivation is the platform's: a token it signs within 7 days works.
    expect(await use(signWith(key, { ...claims, expires: Math.floor(Date.now() / 1000) + 7 * 24 * 3600 - 60 }))).toMatchObject({ status: 200 });
    const in2100 = signWith(key, { ...claims, expires: Date.UTC(2100, 0, 1) / 1000 });
    expect(await use(in2100)).toMatchObject({ status: 403, text: "Presigned URL refused: expiry more than 7 days away.\n" });
  });
});

describe("list cursors", () => {
  it("cursor: an altered KV or R2 cursor is refused", async () => {
    const kvCursor = (await call("alice", "KV", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    const r2Cursor = (await call("alice", "BUCKET", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    const flip = (/** @type {string} */ cursor) => (cursor[0] === "A" ? "B" : "A") + cursor.slice(1);
    expect(await call("alice", "KV", "list", [{ prefix: "list/", cursor: flip(kvCursor) }])).toEqual({ error: KV_INVALID });
    expect(await call("alice", "BUCKET", "list", [{ prefix: "list/", cursor: flip(r2Cursor) }])).toEqual({ error: R2_INVALID });
  });

  it("cursor: a cursor used with another prefix, namespace or tenant is refused", async () => {
    const kvCursor = (await call("alice", "KV", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    const r2Cursor = (await call("alice", "BUCKET", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    expect(await call("alice", "KV", "list", [{ prefix: "list", cursor: kvCursor }])).toEqual({ error: KV_INVALID });
    expect(await call("alice", "OTHER", "list", [{ prefix: "list/", cursor: kvCursor }])).toEqual({ error: KV_INVALID });
    expect(await call("mallory", "KV", "list", [{ prefix: "list/", cursor: kvCursor }])).toEqual({ error: KV_INVALID });
    expect(await call("alice", "BUCKET", "list", [{ prefix: "", cursor: r2Cursor }])).toEqual({ error: R2_INVALID });
    expect(await call("mallory", "BUCKET", "list", [{ prefix: "list/", cursor: r2Cursor }])).toEqual({ error: R2_INVALID });
    expect((await call("alice", "KV", "list", [{ prefix: "list/", cursor: kvCursor }])).result.keys).toEqual(["list/2", "list/3"]);
  });
});

describe("the database holds no signing key", () => {
  it("database: no settings row holds a key, and no table holds the signing key or the master key", async () => {
    expect(await sql`SELECT name FROM settings WHERE name LIKE '%key%'`).toEqual([]);
    const key = await derivedSigningKey();
    // The derived key really is the one that signs: it verifies a URL the platform made.
    const { claims, signature } = claimsOf(await presign("report.txt"));
    expect(signWith(key, claims).pathname).toBe(tokenUrl(claims, signature).pathname);
    const tables = await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    let dump = "";
    for (const { tablename } of tables) {
      for (const row of await sql`SELECT to_jsonb(t)::text AS row FROM ${sql(tablename)} t`) dump += `${row.row}\n`;
    }
    expect(dump).toContain('"alice"'); // the dump did read the data
    for (const secret of [
      key.toString("hex"),
      key.toString("base64"),
      key.toString("base64url"),
      masterKey,
      Buffer.from(masterKey, "base64").toString("hex"),
    ]) {
      expect(dump).not.toContain(secret);
    }
  });
});

describe("KV versions", () => {
  // Two tenants, and two namespaces of one tenant, writing in turn.
  const WRITERS = [
    { worker: "alice", binding: "KV" },
    { worker: "mallory", binding: "KV" },
    { worker: "alice", binding: "OTHER" },
  ];

  it("versions: opaque random strings that reveal nothing about other tenants' or namespaces' writes", async () => {
    /** @type {bigint[]} */
    const versions = [];
    for (let i = 0; i < 10; i++) {
      for (const { worker, binding } of WRITERS) {
        await call(worker, binding, "put", [`seq/${i}`, "v"]);
        const { version } = (await call(worker, binding, "getWithVersion", [`seq/${i}`])).result;
        expect(version).toMatch(/^[0-9a-f]{32}$/);
        versions.push(BigInt(`0x${version}`));
      }
    }
    expect(new Set(versions).size).toBe(versions.length);
    // A counter shared by everyone would rise with every write; 30 random values are never sorted.
    const rising = versions.every((version, i) => i === 0 || version > (versions[i - 1] ?? 0n));
    expect(rising).toBe(false);
  });

  it("versions: a deleted and rewritten key never matches its old version", async () => {
    await call("alice", "KV", "put", ["aba", "1"]);
    const { version } = (await call("alice", "KV", "getWithVersion", ["aba"])).result;
    await call("alice", "KV", "delete", ["aba"]);
    await call("alice", "KV", "put", ["aba", "1"]);
    expect(await call("alice", "KV", "putIfVersion", ["aba", "2", version])).toEqual({ result: null });
    expect(await call("alice", "KV", "get", ["aba"])).toEqual({ result: "1" });
    const current = (await call("alice", "KV", "getWithVersion", ["aba"])).result.version;
    expect((await call("alice", "KV", "putIfVersion", ["aba", "2", current])).result).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("asset uploads", () => {
  /** @param {string} hash @param {string} body */
  const upload = (hash, body) =>
    fetch(`${platform.adminUrl}/v1/assets/${hash}`, { method: "PUT", headers: { authorization: `Bearer ${platform.token}` }, body });
  const sha256 = (/** @type {string} */ text) => createHash("sha256").update(text).digest("hex");
  const entry = () => workerFile("export default { fetch: () => new Response('worker') };");

  it("assets: wrong bytes under a stored hash are refused and the stored asset keeps serving, also after a redeploy", async () => {
    const right = "the right bytes";
    const hash = sha256(right);
    expect((await upload(hash, right)).status).toBe(204);
    const assets = { files: { "/page.txt": { hash, size: right.length } } };
    await platform.deploy("site", await entry(), { assets });
    expect(await platform.fetchWorker("site", "/page.txt")).toMatchObject({ status: 200, text: right });

    const wrong = await upload(hash, "the wrong bytes");
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: { code: "ERR_BAD_REQUEST", message: `The uploaded bytes hash to ${sha256("the wrong bytes")}, not ${hash}.` },
    });
    expect(await platform.fetchWorker("site", "/page.txt")).toMatchObject({ status: 200, text: right });
    expect((await platform.admin("POST", "/v1/assets/missing", { hashes: [hash] })).body).toEqual({ missing: [] });
    await platform.deploy("site", await entry(), { assets, vars: { REDEPLOYED: "yes" } });
    expect(await platform.fetchWorker("site", "/page.txt")).toMatchObject({ status: 200, text: right });
  });

  it("assets: a wrong upload racing a right one for a new hash never disturbs it", async () => {
    const right = "raced bytes";
    const hash = sha256(right);
    const results = await Promise.all([upload(hash, "mallory's bytes"), upload(hash, right), upload(hash, "more wrong bytes")]);
    expect(results.map((response) => response.status)).toEqual([400, 204, 400]);
    await platform.deploy("raced", await entry(), { assets: { files: { "/raced.txt": { hash, size: right.length } } } });
    expect(await platform.fetchWorker("raced", "/raced.txt")).toMatchObject({ status: 200, text: right });
  });

  it("assets: wrong bytes for a hash not yet stored leave it missing", async () => {
    const hash = sha256("never uploaded right");
    expect((await upload(hash, "something else")).status).toBe(400);
    expect((await platform.admin("POST", "/v1/assets/missing", { hashes: [hash] })).body).toEqual({ missing: [hash] });
  });
});

describe("rotate-key", () => {
  it("rotate-key: old presigned URLs get 403 and old cursors the usual invalid-cursor error, on every host; new ones work", async () => {
    const url = await presign("report.txt");
    const kvCursor = (await call("alice", "KV", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    const r2Cursor = (await call("alice", "BUCKET", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    // Both hosts derive the same key from the shared master key and key-version table (each has
    // its own disk blob store, so the second finds a valid URL's object missing: 404, not 403).
    const absent = await presign("not-stored");
    expect(await use(absent, {}, secondHost.port)).toMatchObject({ status: 404, text: "No such object.\n" });

    expect((await platform.admin("POST", "/v1/secrets/rotate-key")).status).toBe(200);

    expect(await use(url)).toMatchObject({ status: 403, text: "Presigned URL refused: invalid signature.\n" });
    await waitUntil(async () => (await use(absent, {}, secondHost.port)).status === 403, 5000);
    expect(await call("alice", "KV", "list", [{ prefix: "list/", cursor: kvCursor }])).toEqual({ error: KV_INVALID });
    expect(await call("alice", "BUCKET", "list", [{ prefix: "list/", cursor: r2Cursor }])).toEqual({ error: R2_INVALID });

    const fresh = await presign("report.txt");
    expect(await use(fresh)).toMatchObject({ status: 200, text: "alice's report" });
    expect(await use(await presign("not-stored"), {}, secondHost.port)).toMatchObject({ status: 404, text: "No such object.\n" });
    const newCursor = (await call("alice", "KV", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    expect((await call("alice", "KV", "list", [{ prefix: "list/", cursor: newCursor }])).result.keys).toEqual(["list/2", "list/3"]);
    const newR2Cursor = (await call("alice", "BUCKET", "list", [{ prefix: "list/", limit: 1 }])).result.cursor;
    expect((await call("alice", "BUCKET", "list", [{ prefix: "list/", cursor: newR2Cursor }])).result.keys).toEqual(["list/2", "list/3"]);
  });
});
