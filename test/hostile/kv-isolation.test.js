// Attacks on KV isolation: a worker reaches only the namespaces its version was deployed with.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// A worker that exposes its binding over HTTP so the test can try things from inside an isolate.
// /raw works on the platform's raw RPC stubs, as an attacker gets them: outpost deploy points a
// static import of cloudflare:workers at the shims, but not a specifier the bundler cannot see
// (nor a bundle uploaded straight to the admin API). Its methods take the invocation's token first.
const PROBE = `const builtin = () => import(["cloudflare", "workers"].join(":"));
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key") ?? "secret";
    const attempt = async (fn) => { try { return { ok: await fn() }; } catch (error) { return { error: error.message }; } };
    switch (url.pathname) {
      case "/put": await env.KV.put(key, url.searchParams.get("value")); return new Response("stored");
      case "/get": return Response.json(await env.KV.get(key));
      case "/list": return Response.json((await env.KV.list()).keys.map((k) => k.name));
      case "/own-keys": return Response.json({ keys: Reflect.ownKeys(env.KV).map(String), json: JSON.stringify(env.KV) });
      case "/raw": {
        const stub = (await builtin()).env.KV;
        const token = ctx.props.invocation;
        return Response.json({
          listOtherNamespace: await attempt(() => stub.list(token, { namespaceId: "1" })),
          readWithExtraArgs: await attempt(() => stub.read(token, key, 60, { namespaceId: "1" }).then((e) => e && new TextDecoder().decode(e.value))),
          objectKey: await attempt(() => stub.read(token, { namespaceId: "1", key })),
          props: await attempt(async () => JSON.stringify(await stub.ctx)),
          env: await attempt(async () => JSON.stringify(await stub.env)),
          query: await attempt(() => stub.query(token, "SELECT 1", [])),
        });
      }
    }
    return new Response("?", { status: 404 });
  },
};`;

beforeAll(async () => {
  platform = await startPlatform();
  const entry = await workerFile(PROBE);
  await platform.deploy("alice", entry, { kv: { KV: "alice-data" } });
  await platform.deploy("bob", entry, { kv: { KV: "bob-data" } });
  await platform.deploy("mallory", entry, { kv: { KV: "alice-data" }, tenant: "evil" });
  await platform.fetchWorker("alice", "/put?key=secret&value=alice-secret");
});
afterAll(() => platform?.stop());

describe("namespace isolation", () => {
  it("isolation: another worker with another namespace cannot read or list the key", async () => {
    expect(JSON.parse((await platform.fetchWorker("bob", "/get?key=secret")).text)).toBe(null);
    expect(JSON.parse((await platform.fetchWorker("bob", "/list")).text)).toEqual([]);
  });

  it("isolation: another worker writing the same key name does not touch the first", async () => {
    await platform.fetchWorker("bob", "/put?key=secret&value=bob-overwrite");
    expect(JSON.parse((await platform.fetchWorker("alice", "/get?key=secret")).text)).toBe("alice-secret");
  });

  it("isolation: the same namespace name in another tenant is a different namespace", async () => {
    expect(JSON.parse((await platform.fetchWorker("mallory", "/get?key=secret")).text)).toBe(null);
    await platform.fetchWorker("mallory", "/put?key=secret&value=mallory");
    expect(JSON.parse((await platform.fetchWorker("alice", "/get?key=secret")).text)).toBe("alice-secret");
  });

  it("isolation: the binding object exposes no RPC stub", async () => {
    expect(JSON.parse((await platform.fetchWorker("alice", "/own-keys")).text)).toEqual({ keys: [], json: "{}" });
  });

  it("isolation: crafted RPC calls on the raw stub cannot choose the namespace or reach the runner's internals", async () => {
    const result = JSON.parse((await platform.fetchWorker("bob", "/raw?key=secret")).text);
    expect(result.listOtherNamespace.error).toMatch(/Unrecognized key: "namespaceId"/);
    expect(result.readWithExtraArgs).toEqual({ ok: "bob-overwrite" }); // its own namespace, extra arguments ignored
    expect(result.objectKey.error).toMatch(/expected string, received object/);
    expect(result.props.ok ?? "").not.toContain("namespaceId");
    expect(result.env.ok ?? "").not.toMatch(/postgres|HYPERDRIVE|adminToken/i);
    expect(result.query.error).toBeDefined();
  });

  it("isolation: a tenant cannot take over a worker name another tenant owns", async () => {
    const entry = await workerFile(`export default { fetch() { return new Response("hijacked"); } };`);
    const { bundleWorker } = await import("../../cli/bundle.js");
    const response = await platform.admin("PUT", "/v1/workers/alice", { ...(await bundleWorker(entry)), tenant: "evil" });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toBe("The worker name alice is taken by another tenant; choose another name.");
    expect(JSON.parse((await platform.fetchWorker("alice", "/get?key=secret")).text)).toBe("alice-secret");
  });
});
