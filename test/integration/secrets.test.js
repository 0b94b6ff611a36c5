// Secrets and the vault: encrypted at rest, never exposed, isolated by tenant and worker.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {postgres.Sql} */
let sql;

// Values that must never appear anywhere but in the owning worker's responses.
const SECRET_VALUES = ["s3cr3t-alpha-7f2c", "s3cr3t-beta-91aa", "vault-value-c0ffee", "store-value-d00d", "rotated-value-5eed"];

const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "";
    try {
      switch (url.pathname) {
        case "/env": return Response.json({ value: env[name] ?? null });
        case "/vault/get": return Response.json({ value: await env.VAULT.get(name) });
        case "/vault/set": await env.VAULT.set(name, await request.text()); return Response.json({ ok: true });
        case "/vault/delete": await env.VAULT.delete(name); return Response.json({ ok: true });
        case "/vault/list": return Response.json({ names: await env.VAULT.list() });
        case "/store": return Response.json({ value: await env.API_KEY.get() });
        case "/store/set": await env.API_KEY.set?.("x", "y"); return Response.json({ ok: "no set method" });
      }
    } catch (error) {
      return Response.json({ error: error.message }, { status: 500 });
    }
    return new Response("?", { status: 404 });
  },
};`;

/** @param {string} name @param {Record<string, unknown>} [extra] @param {string} [token] */
async function deploy(name, extra = {}, token) {
  const response = await platform.admin(
    "PUT",
    `/v1/workers/${name}`,
    { ...(await bundleWorker(await workerFile(WORKER))), vaults: ["VAULT"], ...extra },
    token,
  );
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  return response.body;
}
/** @param {string} worker @param {string} path @param {string} [body] */
async function call(worker, path, body) {
  const response = await platform.fetchWorker(worker, path, body === undefined ? {} : { method: "POST", body });
  return JSON.parse(response.text);
}

beforeAll(async () => {
  platform = await startPlatform();
  sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  await deploy("app", { secretsStore: { API_KEY: { secret: "api-key" } } });
  await deploy("other-app");
});
afterAll(async () => {
  await sql?.end();
  await platform?.stop();
});

describe("secret bindings", () => {
  it("secrets: a secret put over the admin API is env.NAME on the next request, without a new version", async () => {
    const before = (await platform.admin("GET", "/v1/workers/app")).body.version;
    expect(await platform.admin("PUT", "/v1/workers/app/secrets/DB_PASSWORD", { value: SECRET_VALUES[0] })).toEqual({ status: 204, body: "" });
    expect(await call("app", "/env?name=DB_PASSWORD")).toEqual({ value: SECRET_VALUES[0] });
    await platform.admin("PUT", "/v1/workers/app/secrets/DB_PASSWORD", { value: SECRET_VALUES[1] });
    expect(await call("app", "/env?name=DB_PASSWORD")).toEqual({ value: SECRET_VALUES[1] });
    expect((await platform.admin("GET", "/v1/workers/app")).body.version).toBe(before);
  });

  it("secrets: listing gives names only; delete removes the binding", async () => {
    await platform.admin("PUT", "/v1/workers/app/secrets/TEMP", { value: "temporary" });
    const listed = await platform.admin("GET", "/v1/workers/app/secrets");
    expect(listed.body.secrets.map((/** @type {any} */ s) => Object.keys(s).sort())).toEqual([
      ["name", "updated_at"],
      ["name", "updated_at"],
    ]);
    expect(listed.body.secrets.map((/** @type {any} */ s) => s.name)).toEqual(["DB_PASSWORD", "TEMP"]);
    expect(await platform.admin("DELETE", "/v1/workers/app/secrets/TEMP")).toEqual({ status: 204, body: "" });
    expect(await call("app", "/env?name=TEMP")).toEqual({ value: null });
    expect((await platform.admin("DELETE", "/v1/workers/app/secrets/TEMP")).status).toBe(404);
  });

  it("secrets: another worker does not see them", async () => {
    expect(await call("other-app", "/env?name=DB_PASSWORD")).toEqual({ value: null });
  });

  it("secrets: a name a binding already uses is refused, in both directions", async () => {
    const clash = await platform.admin("PUT", "/v1/workers/app/secrets/VAULT", { value: "x" });
    expect(clash).toEqual({
      status: 409,
      body: { error: { code: "ERR_CONFLICT", message: "Worker app already has a binding named VAULT; a secret cannot replace it." } },
    });
    const deployClash = await platform.admin("PUT", "/v1/workers/app", { ...(await bundleWorker(await workerFile(WORKER))), vars: { DB_PASSWORD: "plain" } });
    expect(deployClash.body.error.message).toBe("Binding DB_PASSWORD is already a secret of worker app; rename one of them.");
  });

  it("secrets: names and sizes are checked, and the refusal does not echo the value", async () => {
    const badName = await platform.admin("PUT", "/v1/workers/app/secrets/has%20space", { value: "v" });
    expect(badName).toEqual({
      status: 400,
      body: { error: { code: "ERR_BAD_REQUEST", message: 'secret: Binding name "has space" is not a JavaScript identifier of at most 64 characters.' } },
    });
    const big = "z".repeat(64 * 1024 + 1);
    const tooBig = await platform.admin("PUT", "/v1/workers/app/secrets/BIG", { value: big });
    expect(tooBig).toEqual({ status: 400, body: { error: { code: "ERR_BAD_REQUEST", message: "body.value: Secret values are at most 65536 bytes." } } });
    expect((await platform.admin("GET", "/v1/workers/app/secrets")).body.secrets.map((/** @type {any} */ s) => s.name)).toEqual(["DB_PASSWORD"]);
  });
});

describe("vault", () => {
  it("vault: set, get, list and delete from the worker", async () => {
    expect(await call("app", "/vault/set?name=stripe", SECRET_VALUES[2])).toEqual({ ok: true });
    expect(await call("app", "/vault/get?name=stripe")).toEqual({ value: SECRET_VALUES[2] });
    expect(await call("app", "/vault/list")).toEqual({ names: ["stripe"] });
    expect(await call("app", "/vault/get?name=missing")).toEqual({ value: null });
    await call("app", "/vault/set?name=short-lived", "x");
    await call("app", "/vault/delete?name=short-lived");
    expect(await call("app", "/vault/list")).toEqual({ names: ["stripe"] });
  });

  it("vault: shared by the tenant's workers, set over the admin API too, values never listed", async () => {
    expect(await call("other-app", "/vault/get?name=stripe")).toEqual({ value: SECRET_VALUES[2] });
    expect(await platform.admin("PUT", "/v1/vault/api-key", { value: SECRET_VALUES[3] })).toEqual({ status: 204, body: "" });
    const listed = (await platform.admin("GET", "/v1/vault")).body.secrets;
    expect(listed.map((/** @type {any} */ s) => s.name)).toEqual(["api-key", "stripe"]);
    expect(JSON.stringify(listed)).not.toContain(SECRET_VALUES[2]);
  });

  it("vault: a Secrets Store-style binding reads its one secret with get()", async () => {
    expect(await call("app", "/store")).toEqual({ value: SECRET_VALUES[3] });
    expect(await call("app", "/store/set")).toEqual({ ok: "no set method" });
  });

  it("vault: bad names and oversized values are refused from the worker", async () => {
    expect(await call("app", "/vault/set?name=bad%20name", "v")).toEqual({
      error: "Vault set failed: Secret names are 1-128 letters, digits, '_', '.' and '-'.",
    });
    expect(await call("app", "/vault/set?name=big", "q".repeat(64 * 1024 + 1))).toEqual({
      error: "Vault set failed: The value is 65537 bytes; the limit is 65536.",
    });
  });

  it("vault: another tenant's vault is a different vault, and its token cannot name ours", async () => {
    const acme = (await platform.admin("POST", "/v1/tokens", { name: "acme", tenant: "acme" })).body.token;
    await deploy("acme-app", {}, acme);
    expect(await call("acme-app", "/vault/get?name=stripe")).toEqual({ value: null });
    expect(await call("acme-app", "/vault/list")).toEqual({ names: [] });
    expect((await platform.admin("GET", "/v1/vault?tenant=default", undefined, acme)).status).toBe(403);
    expect((await platform.admin("GET", "/v1/workers/app/secrets", undefined, acme)).status).toBe(404);
    expect((await platform.admin("PUT", "/v1/workers/app/secrets/X", { value: "x" }, acme)).status).toBe(404);
    expect((await platform.admin("GET", "/v1/vault", undefined, acme)).body.secrets).toEqual([]);
  });
});

describe("at rest", () => {
  it("storage: the secrets table holds only ciphertext, bound to its row", async () => {
    const rows = await sql`SELECT tenant, scope, name, key_version, nonce, ciphertext FROM secrets`;
    expect(rows.length).toBeGreaterThan(2);
    const dump = rows
      .map((row) => [row.nonce, row.ciphertext].map((b) => [b.toString("hex"), b.toString("base64"), b.toString("latin1")].join(" ")).join(" "))
      .join("\n");
    for (const value of SECRET_VALUES) {
      expect(dump).not.toContain(value);
      expect(dump).not.toContain(Buffer.from(value).toString("hex"));
      expect(dump).not.toContain(Buffer.from(value).toString("base64"));
    }
    expect(new Set(rows.map((row) => row.nonce.toString("hex"))).size).toBe(rows.length);
  });

  it("storage: a tampered ciphertext is detected, not decrypted to garbage", async () => {
    await call("app", "/vault/set?name=tamper-me", "original");
    await sql`UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, (get_byte(ciphertext, 0) + 1) % 256) WHERE name = 'tamper-me'`;
    const response = await call("app", "/vault/get?name=tamper-me");
    expect(response.error).toBe(
      "Secret tamper-me could not be decrypted: its stored ciphertext fails authentication (altered, moved, or a different master key).",
    );
  });

  it("storage: a ciphertext copied to another row does not decrypt there", async () => {
    await call("app", "/vault/set?name=copy-target", "target");
    await sql`UPDATE secrets t SET nonce = s.nonce, ciphertext = s.ciphertext, key_version = s.key_version
              FROM secrets s WHERE s.name = 'stripe' AND s.scope = 'vault' AND t.name = 'copy-target'`;
    expect((await call("app", "/vault/get?name=copy-target")).error).toMatch(/^Secret copy-target could not be decrypted/);
    expect(await call("app", "/vault/get?name=stripe")).toEqual({ value: SECRET_VALUES[2] });
    await call("app", "/vault/delete?name=copy-target");
    await call("app", "/vault/delete?name=tamper-me");
  });
});

describe("rotation", () => {
  it("rotate-key: every secret is re-encrypted under a new key while reads keep working", async () => {
    await platform.admin("PUT", "/v1/workers/app/secrets/ROTATED", { value: SECRET_VALUES[4] });
    const before = await sql`SELECT DISTINCT key_version FROM secrets`;
    let running = true;
    /** @type {string[]} */
    const failures = [];
    let reads = 0;
    const reader = async () => {
      while (running) {
        const [vault, env] = await Promise.all([call("app", "/vault/get?name=stripe"), call("app", "/env?name=ROTATED")]);
        reads += 2;
        if (vault.value !== SECRET_VALUES[2]) failures.push(JSON.stringify(vault));
        if (env.value !== SECRET_VALUES[4]) failures.push(JSON.stringify(env));
      }
    };
    const readers = [reader(), reader(), reader()];
    const rotated = await platform.admin("POST", "/v1/secrets/rotate-key");
    const again = await platform.admin("POST", "/v1/secrets/rotate-key");
    running = false;
    await Promise.all(readers);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect(rotated.status).toBe(200);
    expect(rotated.body.reencrypted).toBeGreaterThan(2);
    expect(again.body.version).toBe(rotated.body.version + 1);
    const after = await sql`SELECT DISTINCT key_version FROM secrets`;
    expect(after).toEqual([{ key_version: again.body.version }]);
    expect(before.map((row) => row.key_version)).not.toContain(again.body.version);
    expect(await sql`SELECT version FROM secret_keys`).toEqual([{ version: again.body.version }]);
    expect(await call("app", "/store")).toEqual({ value: SECRET_VALUES[3] });
  });

  it("rotate-key: needs an operator token", async () => {
    const acme = (await platform.admin("POST", "/v1/tokens", { name: "acme-rot", tenant: "acme" })).body.token;
    expect((await platform.admin("POST", "/v1/secrets/rotate-key", undefined, acme)).status).toBe(403);
  });
});

describe("never exposed", () => {
  it("exposure: no value is in the platform's logs, workerd config or runner bundle", async () => {
    const workdir = join(platform.dataDir, "workerd");
    const files = [await readFile(join(workdir, "config.capnp"), "utf8"), await readFile(join(workdir, "runner.js"), "utf8"), platform.logs()];
    for (const text of files) for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    const masterKey = (await readFile(join(platform.dataDir, "master-key"), "utf8")).trim();
    expect(files[0]).not.toContain(masterKey);
    expect(files[0]).toContain('fromEnvironment = "OUTPOST_MASTER_KEY"');
  });
});

describe("master key", () => {
  it("start: a wrong master key is one clear startup error; the right one reads every secret", async () => {
    const host = await startPlatform();
    try {
      await host.admin("PUT", "/v1/vault/kept", { value: "still-here" });
      await host.admin("POST", "/v1/secrets/rotate-key");
      await host.stop({ keepData: true });
      const wrong = Buffer.alloc(32, 7).toString("base64");
      const failure = await startPlatform({ dataDir: host.dataDir, env: { OUTPOST_MASTER_KEY: wrong } }).then(
        async (started) => {
          await started.stop({ keepData: true });
          return "started";
        },
        (/** @type {Error} */ error) => error.message,
      );
      expect(failure).toContain("ERR_MASTER_KEY: the master key does not match the one this database's secrets were encrypted with (data key version 2).");
      const again = await startPlatform({ dataDir: host.dataDir });
      try {
        const reader = await bundleWorker(await workerFile(`export default { async fetch(r, env) { return new Response(await env.VAULT.get("kept")); } };`));
        await again.admin("PUT", "/v1/workers/reader", { ...reader, vaults: ["VAULT"] });
        expect((await again.fetchWorker("reader")).text).toBe("still-here");
      } finally {
        await again.stop({ keepData: true });
      }
    } finally {
      await host.stop();
    }
  });

  it("start: a malformed OUTPOST_MASTER_KEY is refused", async () => {
    const failure = await startPlatform({ env: { OUTPOST_MASTER_KEY: "too-short" } }).then(
      async (started) => {
        await started.stop();
        return "started";
      },
      (/** @type {Error} */ error) => error.message,
    );
    expect(failure).toContain("ERR_MASTER_KEY: OUTPOST_MASTER_KEY must be 32 bytes, base64 or hex (e.g. openssl rand -base64 32)");
  });
});
