// Service bindings between workers: fetch and JS RPC, resolved through the target's route.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

/** @param {string} tag */
const authWorker = (tag) => `import { WorkerEntrypoint } from "cloudflare:workers";
export class Admin extends WorkerEntrypoint {
  async audit(who) { return "${tag} audited " + who + " with " + (await this.env.LOG.get("mode") ?? "no mode"); }
}
export default class extends WorkerEntrypoint {
  async fetch(request) { return new Response("${tag} fetch " + new URL(request.url).pathname); }
  async verify(token) { return { ok: token === "good", by: "${tag}" }; }
}`;

const CALLER = `export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    try {
      if (path === "/fetch") return await env.AUTH.fetch("https://auth.internal/check");
      if (path === "/rpc") return Response.json(await env.AUTH.verify("good"));
      if (path === "/named") return new Response(await env.ADMIN.audit("ana"));
      if (path === "/missing") return new Response(await env.AUTH.nope());
    } catch (error) {
      return new Response("error: " + error.message, { status: 500 });
    }
    return new Response("?", { status: 404 });
  },
};`;

/** @param {string} name @param {string} source @param {Record<string, unknown>} [extra] @param {string} [token] */
async function deploy(name, source, extra = {}, token) {
  return platform.admin("PUT", `/v1/workers/${name}`, { ...(await bundleWorker(await workerFile(source))), ...extra }, token);
}

beforeAll(async () => {
  platform = await startPlatform();
  await deploy("auth", authWorker("v1"), { kv: { LOG: "auth-log" } });
  const services = { AUTH: { service: "auth" }, ADMIN: { service: "auth", entrypoint: "Admin" } };
  const caller = await deploy("caller", CALLER, { services });
  expect(caller.status, JSON.stringify(caller.body)).toBe(201);
});
afterAll(() => platform?.stop());

describe("service bindings", () => {
  it("services: fetch reaches the target worker's fetch handler", async () => {
    expect((await platform.fetchWorker("caller", "/fetch")).text).toBe("v1 fetch /check");
  });

  it("services: JS RPC calls the target's default entrypoint method", async () => {
    expect(JSON.parse((await platform.fetchWorker("caller", "/rpc")).text)).toEqual({ ok: true, by: "v1" });
  });

  it("services: a named entrypoint is reached with the target's own bindings", async () => {
    expect((await platform.fetchWorker("caller", "/named")).text).toBe("v1 audited ana with no mode");
  });

  it("services: calling a method the target does not have is a clear error", async () => {
    const response = await platform.fetchWorker("caller", "/missing");
    expect(response.status).toBe(500);
    expect(response.text).toMatch(/^error: .*nope/);
  });

  it("services: the target's deploys and rollbacks apply to the binding", async () => {
    await deploy("auth", authWorker("v2"), { kv: { LOG: "auth-log" } });
    expect((await platform.fetchWorker("caller", "/fetch")).text).toBe("v2 fetch /check");
    expect(JSON.parse((await platform.fetchWorker("caller", "/rpc")).text).by).toBe("v2");
    await platform.admin("POST", "/v1/workers/auth/rollback");
    expect((await platform.fetchWorker("caller", "/fetch")).text).toBe("v1 fetch /check");
  });

  it("services: a binding to another tenant's worker is refused at deploy", async () => {
    const acme = (await platform.admin("POST", "/v1/tokens", { name: "acme", tenant: "acme" })).body.token;
    const response = await deploy("acme-caller", CALLER, { services: { AUTH: { service: "auth" } } }, acme);
    expect(response).toEqual({
      status: 403,
      body: { error: { code: "ERR_FORBIDDEN", message: "Service bindings may only target workers of the same tenant; auth belongs to another tenant." } },
    });
  });

  it("services: a binding to a worker that does not exist is refused at deploy, with Cloudflare's words", async () => {
    const response = await deploy("lonely", CALLER, { services: { AUTH: { service: "nobody" } } });
    expect(response).toEqual({
      status: 400,
      body: {
        error: {
          code: "ERR_BAD_REQUEST",
          message: "Could not resolve service binding 'AUTH'. Target script 'nobody' not found. Please verify the target script and try again.",
        },
      },
    });
    expect((await platform.admin("GET", "/v1/workers/lonely")).status).toBe(404);
  });

  it("services: a worker may bind to itself on its first deploy", async () => {
    const response = await deploy(
      "selfish",
      `export default { async fetch(request, env) {
      return new URL(request.url).pathname === "/inner" ? new Response("inner") : env.SELF.fetch("https://self/inner");
    } };`,
      { services: { SELF: { service: "selfish" } } },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect((await platform.fetchWorker("selfish", "/")).text).toBe("inner");
  });

  it("services: a target deleted later is unreachable at run time", async () => {
    await deploy("later", authWorker("later"));
    const bound = await deploy("early", CALLER, { services: { AUTH: { service: "later" } } });
    expect(bound.status).toBe(201);
    expect((await platform.admin("DELETE", "/v1/workers/later")).status).toBe(204);
    const response = await platform.fetchWorker("early", "/fetch");
    expect(response).toMatchObject({ status: 500, text: "error: Service binding AUTH: there is no worker named later." });
  });
});
