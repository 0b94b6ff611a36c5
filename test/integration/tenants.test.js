// Tenant-scoped admin tokens: each attack a tenant token could try on another tenant's things.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ id: string, token: string }} */
let acme;
/** @type {any} */
let code;
/** @type {string} */
let victimVersion;

beforeAll(async () => {
  platform = await startPlatform();
  code = await bundleWorker(await workerFile(`export default { fetch() { return new Response("ok"); } };`));
  await platform.admin("PUT", "/v1/domains/victim.example");
  await platform.admin("PUT", "/v1/domains/acme.example", { tenant: "acme" });
  victimVersion = (await platform.admin("PUT", "/v1/workers/victim", { ...code, routes: ["victim.example/*"] })).body.version;
  acme = (await platform.admin("POST", "/v1/tokens", { name: "acme ci", tenant: "acme" })).body;
});
afterAll(() => platform?.stop());

/** @param {string} method @param {string} path @param {unknown} [body] */
const asAcme = (method, path, body) => platform.admin(method, path, body, acme.token);
const NOT_FOUND = { status: 404, body: { error: { code: "ERR_NOT_FOUND", message: "No worker named victim." } } };

describe("tokens", () => {
  it("tokens: created once with the secret, listed without it, stored only as a hash", async () => {
    const created = await platform.admin("POST", "/v1/tokens", { name: "ops" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "ops", tenant: null, id: expect.stringMatching(/^tok_/), token: expect.stringMatching(/^op_/) });
    const { tokens } = (await platform.admin("GET", "/v1/tokens")).body;
    const listed = tokens.find((/** @type {any} */ t) => t.id === created.body.id);
    expect(listed).toEqual({ id: created.body.id, name: "ops", tenant: null, created_at: expect.any(String) });
    expect(JSON.stringify(tokens)).not.toContain(created.body.token);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      const dump = JSON.stringify(await sql`SELECT * FROM admin_tokens`);
      expect(dump).not.toContain(created.body.token);
      expect(dump).not.toContain(acme.token);
    } finally {
      await sql.end();
    }
    expect((await platform.admin("GET", "/v1/workers", undefined, created.body.token)).status).toBe(200);
  });

  it("tokens: a revoked token is refused at once", async () => {
    const created = (await platform.admin("POST", "/v1/tokens", { name: "temp", tenant: "acme" })).body;
    expect((await platform.admin("GET", "/v1/workers", undefined, created.token)).status).toBe(200);
    expect((await platform.admin("DELETE", `/v1/tokens/${created.id}`)).status).toBe(204);
    expect((await platform.admin("GET", "/v1/workers", undefined, created.token)).status).toBe(401);
    expect((await platform.admin("DELETE", `/v1/tokens/${created.id}`)).status).toBe(404);
  });

  it("tokens: bad input is refused precisely", async () => {
    const response = await platform.admin("POST", "/v1/tokens", { name: "", tenant: "Not Valid" });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^body\.name: .*; body\.tenant: Tenant ids are 1-63 lowercase letters/);
  });
});

describe("a tenant token cannot reach another tenant", () => {
  it("tenant: lists only its own workers and routes", async () => {
    await asAcme("PUT", "/v1/workers/acme-site", { ...code, routes: ["acme.example/*"] });
    expect((await asAcme("GET", "/v1/workers")).body.workers.map((/** @type {any} */ w) => w.name)).toEqual(["acme-site"]);
    expect((await asAcme("GET", "/v1/routes")).body.routes).toEqual([{ pattern: "acme.example/*", worker: "acme-site" }]);
    const all = (await platform.admin("GET", "/v1/workers")).body.workers.map((/** @type {any} */ w) => w.name);
    expect(all).toEqual(expect.arrayContaining(["acme-site", "victim"]));
  });

  it("tenant: cannot read, list versions of, roll back, roll out, delete or delete versions of another tenant's worker", async () => {
    expect(await asAcme("GET", "/v1/workers/victim")).toEqual(NOT_FOUND);
    expect(await asAcme("GET", "/v1/workers/victim/versions")).toEqual(NOT_FOUND);
    expect(await asAcme("POST", "/v1/workers/victim/rollback", {})).toEqual(NOT_FOUND);
    expect(await asAcme("POST", "/v1/workers/victim/rollout", { version: victimVersion, percent: 50 })).toEqual(NOT_FOUND);
    expect(await asAcme("POST", "/v1/workers/victim/rollout/abort")).toEqual(NOT_FOUND);
    expect(await asAcme("DELETE", `/v1/workers/victim/versions/${victimVersion}`)).toEqual(NOT_FOUND);
    expect(await asAcme("DELETE", "/v1/workers/victim")).toEqual(NOT_FOUND);
    expect((await platform.admin("GET", "/v1/workers/victim")).body).toMatchObject({ version: victimVersion, rollout: null });
    expect((await platform.fetchWorker("victim")).text).toBe("ok");
  });

  it("tenant: cannot deploy over another tenant's worker or take its route", async () => {
    const overwrite = await asAcme("PUT", "/v1/workers/victim", code);
    expect(overwrite).toEqual({
      status: 409,
      body: { error: { code: "ERR_CONFLICT", message: "The worker name victim is taken by another tenant; choose another name." } },
    });
    const route = await asAcme("PUT", "/v1/workers/acme-thief", { ...code, routes: ["victim.example/*"] });
    expect(route).toEqual({
      status: 403,
      body: {
        error: {
          code: "ERR_FORBIDDEN",
          message: "Route victim.example/*: your tenant does not own host victim.example; an operator assigns domains with `outpost domains add`.",
        },
      },
    });
    expect((await asAcme("GET", "/v1/workers/acme-thief")).status).toBe(404);
  });

  it("tenant: cannot act for another tenant, even by naming it", async () => {
    const response = await asAcme("PUT", "/v1/workers/acme-other", { ...code, tenant: "default" });
    expect(response).toEqual({
      status: 403,
      body: { error: { code: "ERR_FORBIDDEN", message: "This token belongs to tenant acme; it cannot act for tenant default." } },
    });
  });

  it("tenant: cannot manage tokens or run maintenance", async () => {
    const forbidden = { status: 403, body: { error: { code: "ERR_FORBIDDEN", message: "This needs an operator token." } } };
    expect(await asAcme("POST", "/v1/tokens", { name: "escalate" })).toEqual(forbidden);
    expect(await asAcme("GET", "/v1/tokens")).toEqual(forbidden);
    expect(await asAcme("DELETE", `/v1/tokens/${acme.id}`)).toEqual(forbidden);
    expect(await asAcme("POST", "/v1/maintenance/sweep")).toEqual(forbidden);
  });

  it("tenant: KV namespaces of the same name stay separate per tenant", async () => {
    const kv = await bundleWorker(
      await workerFile(`export default { async fetch(r, env) {
      if (r.method === "PUT") { await env.KV.put("k", await r.text()); return new Response("stored"); }
      return new Response(await env.KV.get("k") ?? "(none)"); } };`),
    );
    await platform.admin("PUT", "/v1/workers/default-kv", { ...kv, kv: { KV: "shared-name" } });
    await asAcme("PUT", "/v1/workers/acme-kv", { ...kv, kv: { KV: "shared-name" } });
    await platform.fetchWorker("default-kv", "/", { method: "PUT", body: "default's" });
    expect((await platform.fetchWorker("acme-kv")).text).toBe("(none)");
  });
});
