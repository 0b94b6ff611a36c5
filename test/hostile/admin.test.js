// Attacks on the admin API: names that reach env's prototype or replace built-in modules,
// guessing tokens, and reading another tenant's (or the operator's) audit log.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ mainModule: string, modules: { name: string, type: string, content: string }[] }} */
let bundle;

const RESERVED = ["__proto__", "constructor", "prototype"];

beforeAll(async () => {
  // One workerd process: failed tokens are counted per process, and the flood test counts log rows.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  bundle = await bundleWorker(await workerFile(`export default { fetch() { return new Response("v1"); } };`));
  expect((await platform.admin("PUT", "/v1/workers/app", bundle)).status).toBeLessThan(300);
});
afterAll(() => platform?.stop());

/** @param {string} name */
const versions = async (name) => (await platform.admin("GET", `/v1/workers/${name}/versions`)).body.versions.length;

/**
 * An admin request from a chosen loopback address (fetch() cannot choose one).
 * @param {string} localAddress  127.0.0.0/8 only
 * @param {string} method
 * @param {string} path
 * @param {string} token
 * @returns {Promise<{ status: number, headers: import("node:http").IncomingHttpHeaders, body: any }>}
 */
function adminFrom(localAddress, method, path, token) {
  const url = new URL(path, platform.adminUrl);
  return new Promise((resolve, reject) => {
    const options = {
      host: "127.0.0.1",
      port: url.port,
      path: url.pathname + url.search,
      method,
      localAddress,
      agent: false,
      headers: { authorization: `Bearer ${token}` },
    };
    const req = request(options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("binding and module names", () => {
  /** Each binding kind, declaring one binding of the given name. @type {[string, (name: string) => object, (name: string) => string][]} */
  const KINDS = [
    ["vars", (name) => ({ vars: { [name]: "x" } }), (name) => `body.vars.${name}`],
    ["kv", (name) => ({ kv: { [name]: "ns" } }), (name) => `body.kv.${name}`],
    ["r2", (name) => ({ r2: { [name]: "bucket" } }), (name) => `body.r2.${name}`],
    ["services", (name) => ({ services: { [name]: { service: "app" } } }), (name) => `body.services.${name}`],
    ["vaults", (name) => ({ vaults: [name] }), () => "body.vaults.0"],
    ["secretsStore", (name) => ({ secretsStore: { [name]: { secret: "s" } } }), (name) => `body.secretsStore.${name}`],
    ["queue producers", (name) => ({ queues: { producers: { [name]: { queue: "q" } } } }), (name) => `body.queues.producers.${name}`],
    ["assets binding", (name) => ({ assets: { files: {}, binding: name } }), () => "body.assets.binding"],
  ];

  for (const [kind, declare, path] of KINDS) {
    it(`deploy: __proto__, constructor and prototype as a ${kind} binding are refused with 400, nothing stored`, async () => {
      const before = await versions("app");
      for (const name of RESERVED) {
        const body = { ...bundle, ...declare(name) };
        // The computed key makes __proto__ an own property, so it is in the JSON sent.
        expect(JSON.stringify(body)).toContain(`"${name}"`);
        const response = await platform.admin("PUT", "/v1/workers/app", body);
        expect(response).toEqual({
          status: 400,
          body: {
            error: {
              code: "ERR_BAD_REQUEST",
              message: `${path(name)}: Binding name ${name} is reserved (__proto__, constructor and prototype cannot be env keys).`,
            },
          },
        });
      }
      expect(await versions("app")).toBe(before);
      expect((await platform.fetchWorker("app")).text).toBe("v1");
    });
  }

  it('deploy: "constructor": null in vars or kv is a 400, not a 500', async () => {
    const json = JSON.stringify(bundle);
    for (const field of ["vars", "kv"]) {
      const response = await platform.admin("PUT", "/v1/workers/app", `${json.slice(0, -1)}, "${field}": { "constructor": null }}`);
      expect(response.status).toBe(400);
      expect(response.body.error.message).toBe(
        `body.${field}.constructor: Binding name constructor is reserved (__proto__, constructor and prototype cannot be env keys).`,
      );
    }
    const assets = await platform.admin("PUT", "/v1/workers/app", `${json.slice(0, -1)}, "assets": { "files": { "constructor": null } }}`);
    expect(assets.body).toEqual({ error: { code: "ERR_BAD_REQUEST", message: "body.assets.files.constructor: Asset paths start with /." } });
    expect((await platform.fetchWorker("app")).text).toBe("v1");
  });

  it("deploy: module names that would replace built-ins, climb out or take the platform's are refused", async () => {
    const before = await versions("app");
    const names = ["cloudflare:workers", "node:fs", "cloudflare:sockets", "workerd:x", "a/../b", "..x", "__outpost_shims.js"];
    for (const name of names) {
      const modules = [...bundle.modules, { name, type: "esm", content: "export const replaced = true;" }];
      const response = await platform.admin("PUT", "/v1/workers/app", { ...bundle, modules });
      expect(response.status, name).toBe(400);
      expect(response.body.error.message, name).toMatch(
        new RegExp(`^body\\.modules\\.1\\.name: Module name ${JSON.stringify(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `),
      );
    }
    const main = await platform.admin("PUT", "/v1/workers/app", { mainModule: "node:fs", modules: [{ ...bundle.modules[0], name: "node:fs" }] });
    expect(main.status).toBe(400);
    expect(await versions("app")).toBe(before);
    expect((await platform.fetchWorker("app")).text).toBe("v1");
  });

  it("secret put: __proto__, constructor and prototype are not secret names (a secret is an env key)", async () => {
    for (const name of RESERVED) {
      const response = await platform.admin("PUT", `/v1/workers/app/secrets/${name}`, { value: "x" });
      expect(response).toEqual({
        status: 400,
        body: {
          error: { code: "ERR_BAD_REQUEST", message: `secret: Binding name ${name} is reserved (__proto__, constructor and prototype cannot be env keys).` },
        },
      });
    }
    expect((await platform.admin("GET", "/v1/workers/app/secrets")).body.secrets).toEqual([]);
    expect((await platform.fetchWorker("app")).text).toBe("v1");
  });
});

describe("token guessing", () => {
  it("throttle: after 10 failed tokens an address gets 429 with Retry-After, even with the right token; another address is served", async () => {
    for (let i = 0; i < 10; i++) {
      const guess = await adminFrom("127.0.0.3", "GET", "/v1/workers", `guess-${i}`);
      expect(guess.status).toBe(401);
    }
    const refused = await adminFrom("127.0.0.3", "GET", "/v1/workers", platform.token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(refused.body.error.code).toBe("ERR_TOO_MANY_ATTEMPTS");
    expect(refused.body.error.message).toMatch(/^Too many failed admin token attempts from 127\.0\.0\.3; try again in \d+ s\.$/);
    expect((await adminFrom("127.0.0.2", "GET", "/v1/workers", platform.token)).status).toBe(200);
    expect((await platform.admin("GET", "/v1/workers")).status).toBe(200);
  });

  it("throttle: a flood of failures is logged as its first failure and the start of the refusal only", async () => {
    for (let i = 0; i < 30; i++) await adminFrom("127.0.0.4", "GET", "/v1/workers", `flood-${i}`);
    const { entries } = (await platform.admin("GET", "/v1/audit?limit=500")).body;
    const flood = entries.filter((/** @type {any} */ entry) => entry.client === "127.0.0.4");
    expect(flood.map((/** @type {any} */ entry) => [entry.action, entry.actor, entry.status, entry.target])).toEqual([
      ["auth.throttled", { token: null, name: "unauthenticated", tenant: null }, 401, "/v1/workers"],
      ["auth.failed", { token: null, name: "unauthenticated", tenant: null }, 401, "/v1/workers"],
    ]);
  });
});

describe("audit log", () => {
  /** @type {{ id: string, token: string }} */
  let acme;
  /** @type {{ id: string, token: string }} */
  let evil;
  const SECRET = "audit-secret-value-7d1f";

  beforeAll(async () => {
    acme = (await platform.admin("POST", "/v1/tokens", { name: "acme-ci", tenant: "acme" })).body;
    evil = (await platform.admin("POST", "/v1/tokens", { name: "evil-ci", tenant: "evil" })).body;
    expect((await platform.admin("PUT", "/v1/workers/acme-app", bundle, acme.token)).status).toBe(201);
    expect((await platform.admin("PUT", "/v1/workers/evil-app", bundle, evil.token)).status).toBe(201);
  });

  it("audit: deploy, rollback, secret put and token create/revoke are recorded with their actor, never the secret's value", async () => {
    const v2 = await bundleWorker(await workerFile(`export default { fetch() { return new Response("v2"); } };`));
    expect((await platform.admin("PUT", "/v1/workers/app", v2)).status).toBe(201);
    expect((await platform.admin("POST", "/v1/workers/app/rollback")).status).toBe(200);
    expect((await platform.admin("PUT", "/v1/workers/app/secrets/API_KEY", { value: SECRET })).status).toBe(204);
    const temp = (await platform.admin("POST", "/v1/tokens", { name: "temp", tenant: "acme" })).body;
    expect((await platform.admin("DELETE", `/v1/tokens/${temp.id}`)).status).toBe(204);
    expect((await platform.admin("PUT", "/v1/workers/acme-app/secrets/OTHER", { value: SECRET }, acme.token)).status).toBe(204);

    const response = await fetch(`${platform.adminUrl}/v1/audit?limit=20`, { headers: { authorization: `Bearer ${platform.token}` } });
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(temp.token);
    const operator = { token: null, name: "operator", tenant: null };
    const recent = JSON.parse(text)
      .entries.slice(0, 6)
      .map((/** @type {any} */ e) => [e.actor, e.client, e.action, e.target, e.tenant, e.status]);
    expect(recent).toEqual([
      [
        { token: acme.id, name: "acme-ci", tenant: "acme" },
        "127.0.0.1",
        "PUT /v1/workers/:name/secrets/:secret",
        "/v1/workers/acme-app/secrets/OTHER",
        "acme",
        204,
      ],
      [operator, "127.0.0.1", "DELETE /v1/tokens/:id", `/v1/tokens/${temp.id}`, "acme", 204],
      [operator, "127.0.0.1", "POST /v1/tokens", `/v1/tokens/${temp.id}`, "acme", 201],
      [operator, "127.0.0.1", "PUT /v1/workers/:name/secrets/:secret", "/v1/workers/app/secrets/API_KEY", "default", 204],
      [operator, "127.0.0.1", "POST /v1/workers/:name/rollback", "/v1/workers/app/rollback", "default", 200],
      [operator, "127.0.0.1", "PUT /v1/workers/:name", "/v1/workers/app", "default", 201],
    ]);
  });

  it("audit: refused changes are recorded with their status; reads and the heartbeat are not", async () => {
    expect((await platform.admin("DELETE", "/v1/workers/app", undefined, evil.token)).status).toBe(404);
    const { entries } = (await platform.admin("GET", "/v1/audit?limit=500")).body;
    expect(entries[0]).toMatchObject({
      actor: { token: evil.id, tenant: "evil" },
      action: "DELETE /v1/workers/:name",
      target: "/v1/workers/app",
      tenant: "evil",
      status: 404,
    });
    const actions = new Set(entries.map((/** @type {any} */ e) => e.action));
    for (const unrecorded of ["POST /v1/maintenance/tick", "POST /v1/maintenance/sweep", "GET /v1/workers", "GET /v1/audit"])
      expect(actions.has(unrecorded)).toBe(false);
  });

  it("audit: a tenant token reads its own tokens' entries only, never another tenant's nor the operator's", async () => {
    const own = await platform.admin("GET", "/v1/audit?limit=500", undefined, evil.token);
    expect(own.status).toBe(200);
    expect(own.body.entries.length).toBeGreaterThan(0);
    for (const entry of own.body.entries) expect(entry.actor.tenant).toBe("evil");
    expect(JSON.stringify(own.body)).not.toContain("acme");
    expect((await platform.admin("GET", "/v1/audit?tenant=acme", undefined, evil.token)).body).toEqual({
      error: { code: "ERR_FORBIDDEN", message: "This token belongs to tenant evil; it cannot act for tenant acme." },
    });
    const acmeView = (await platform.admin("GET", "/v1/audit?limit=500", undefined, acme.token)).body.entries;
    expect(acmeView.map((/** @type {any} */ e) => e.target)).toContain("/v1/workers/acme-app");
    for (const entry of acmeView) expect(entry.actor).toMatchObject({ token: acme.id, tenant: "acme" });
  });

  it("audit: newest first, paged with before, limit bounded", async () => {
    const first = (await platform.admin("GET", "/v1/audit?limit=2")).body;
    expect(first.entries).toHaveLength(2);
    expect(BigInt(first.entries[0].id)).toBeGreaterThan(BigInt(first.entries[1].id));
    expect(first.next).toBe(first.entries[1].id);
    const second = (await platform.admin("GET", `/v1/audit?limit=2&before=${first.next}`)).body;
    expect(BigInt(second.entries[0].id)).toBeLessThan(BigInt(first.next));
    expect((await platform.admin("GET", "/v1/audit?limit=501")).status).toBe(400);
    expect((await platform.admin("GET", "/v1/audit?before=x")).status).toBe(400);
  });
});
