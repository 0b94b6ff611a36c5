// Attacks through the data routes behind `outpost kv`, `outpost r2`, `queues send`, `secret bulk`
// and the dashboard's queue and bucket browsers: a tenant token reaches only its own tenant's namespaces, keys, buckets, objects, queues
// and workers, and another tenant's are refused exactly as missing ones are (no existence oracle).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ token: string }} */
let acme;
/** @type {{ token: string }} */
let evil;

/** acme's resources, and names no tenant has. */
const ACME = { namespace: "acme-ns", bucket: "acme-bucket", queue: "acme-jobs", worker: "acme-app" };
const NOWHERE = { namespace: "nowhere-ns", bucket: "nowhere-bucket", queue: "nowhere-jobs", worker: "nowhere-app" };

/**
 * An admin call with any body; the answer as status, error code and message.
 * @param {string} method @param {string} path @param {string} token @param {string} [body]
 */
async function call(method, path, token, body) {
  const response = await fetch(platform.adminUrl + path, { method, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, text };
}

/** Every data route, for the resources `names` names. @param {typeof ACME} names */
function routes(names) {
  const ns = `/v1/kv/namespaces/${names.namespace}`;
  const object = `/v1/r2/buckets/${names.bucket}/objects/photo.txt`;
  return [
    ["GET", `${ns}/keys`],
    ["GET", `${ns}/values/secret`],
    ["PUT", `${ns}/values/secret`, "overwritten"],
    ["DELETE", `${ns}/values/secret`],
    ["PUT", `${ns}/bulk`, JSON.stringify([{ key: "secret", value: "overwritten" }])],
    ["POST", `${ns}/bulk/delete`, JSON.stringify(["secret"])],
    ["DELETE", ns],
    ["GET", object],
    ["GET", `/v1/r2/buckets/${names.bucket}/objects`],
    ["PUT", object, "overwritten"],
    ["DELETE", object],
    ["DELETE", `/v1/r2/buckets/${names.bucket}`],
    ["GET", `/v1/queues/${names.queue}/messages`],
    ["POST", `/v1/queues/${names.queue}/messages`, JSON.stringify({ messages: [{ body: "injected" }] })],
    ["PUT", `/v1/workers/${names.worker}/secrets`, JSON.stringify({ secrets: { API_KEY: "stolen" } })],
  ];
}

/** What acme has stored, as acme sees it. */
async function acmeData() {
  return {
    value: (await call("GET", `/v1/kv/namespaces/${ACME.namespace}/values/secret`, acme.token)).text,
    keys: (await call("GET", `/v1/kv/namespaces/${ACME.namespace}/keys`, acme.token)).text,
    object: (await call("GET", `/v1/r2/buckets/${ACME.bucket}/objects/photo.txt`, acme.token)).text,
    depth: (await platform.admin("GET", "/v1/queues?tenant=acme")).body.queues.map((/** @type {any} */ q) => [q.name, q.depth]),
    served: (await platform.fetchWorker(ACME.worker)).text,
  };
}

beforeAll(async () => {
  platform = await startPlatform();
  acme = (await platform.admin("POST", "/v1/tokens", { name: "acme-ci", tenant: "acme" })).body;
  evil = (await platform.admin("POST", "/v1/tokens", { name: "evil-ci", tenant: "evil" })).body;
  const bundle = await bundleWorker(await workerFile(`export default { fetch(request, env) { return new Response(String(env.API_KEY)); } };`));
  const deploy = {
    ...bundle,
    kv: { KV: ACME.namespace },
    r2: { BUCKET: ACME.bucket },
    queues: { producers: { JOBS: { queue: ACME.queue } } },
  };
  expect((await platform.admin("PUT", `/v1/workers/${ACME.worker}`, deploy, acme.token)).status).toBe(201);
  expect((await call("PUT", `/v1/workers/${ACME.worker}/secrets`, acme.token, JSON.stringify({ secrets: { API_KEY: "acme-key" } }))).status).toBe(200);
  expect((await call("PUT", `/v1/kv/namespaces/${ACME.namespace}/values/secret`, acme.token, "acme's value")).status).toBe(204);
  expect((await call("PUT", `/v1/r2/buckets/${ACME.bucket}/objects/photo.txt`, acme.token, "acme's photo")).status).toBe(201);
  expect((await call("POST", `/v1/queues/${ACME.queue}/messages`, acme.token, JSON.stringify({ messages: [{ body: "acme's job" }] }))).status).toBe(201);
});
afterAll(async () => {
  await platform?.stop();
});

describe("data routes across tenants", () => {
  it("listing: a tenant token lists only its own namespaces and buckets", async () => {
    expect(JSON.parse((await call("GET", "/v1/kv/namespaces", evil.token)).text)).toEqual({ namespaces: [] });
    expect(JSON.parse((await call("GET", "/v1/r2/buckets", evil.token)).text)).toEqual({ buckets: [] });
    const own = JSON.parse((await call("GET", "/v1/kv/namespaces", acme.token)).text);
    expect(own.namespaces.map((/** @type {any} */ n) => [n.name, n.tenant])).toEqual([[ACME.namespace, "acme"]]);
  });

  it("no oracle: every route answers another tenant's namespace, bucket, queue or worker exactly as one that exists nowhere", async () => {
    const before = await acmeData();
    const theirs = routes(ACME);
    const missing = routes(NOWHERE);
    for (const [i, [method, path, body]] of theirs.entries()) {
      const [, missingPath, missingBody] = missing[i] ?? [];
      const attempt = await call(method ?? "", path ?? "", evil.token, body);
      const control = await call(method ?? "", missingPath ?? "", evil.token, missingBody);
      expect(attempt.status, `${method} ${path}`).toBe(404);
      const unnamed = (/** @type {string} */ text) => text.replaceAll("acme-", "X-").replaceAll("nowhere-", "X-");
      expect(unnamed(attempt.text), `${method} ${path}`).toBe(unnamed(control.text));
    }
    expect(await acmeData()).toEqual(before);
  });

  it("?tenant=: a tenant token cannot name another tenant, whether or not it exists", async () => {
    const before = await acmeData();
    for (const [method, path, body] of [
      ...routes(ACME),
      ["GET", "/v1/kv/namespaces"],
      ["POST", "/v1/kv/namespaces", '{"name":"planted"}'],
      ["GET", "/v1/r2/buckets"],
    ]) {
      // Secrets name the worker, not a tenant: that route takes no ?tenant= (it answers as above).
      if (path?.includes("/secrets")) continue;
      const attempt = await call(method ?? "", `${path}?tenant=acme`, evil.token, body);
      const control = await call(method ?? "", `${path}?tenant=nobody`, evil.token, body);
      expect(attempt.status, `${method} ${path}`).toBe(403);
      expect(attempt.text.replace("acme", "X")).toBe(control.text.replace("nobody", "X"));
    }
    expect(await acmeData()).toEqual(before);
  });

  it("same names: a tenant that creates a namespace or bucket of another's name gets its own, empty one", async () => {
    expect((await call("POST", "/v1/kv/namespaces", evil.token, JSON.stringify({ name: ACME.namespace }))).status).toBe(201);
    expect((await call("POST", "/v1/r2/buckets", evil.token, JSON.stringify({ name: ACME.bucket }))).status).toBe(201);
    expect(JSON.parse((await call("GET", `/v1/kv/namespaces/${ACME.namespace}/keys`, evil.token)).text).keys).toEqual([]);
    expect((await call("GET", `/v1/kv/namespaces/${ACME.namespace}/values/secret`, evil.token)).status).toBe(404);
    expect((await call("GET", `/v1/r2/buckets/${ACME.bucket}/objects/photo.txt`, evil.token)).status).toBe(404);
    expect((await call("PUT", `/v1/kv/namespaces/${ACME.namespace}/values/secret`, evil.token, "evil's")).status).toBe(204);
    expect((await call("PUT", `/v1/r2/buckets/${ACME.bucket}/objects/photo.txt`, evil.token, "evil's")).status).toBe(201);
    expect((await call("DELETE", `/v1/r2/buckets/${ACME.bucket}/objects/photo.txt`, evil.token)).status).toBe(204);
    // A cursor from acme's listing is refused on evil's bucket of the same name: it lists nothing of acme's.
    expect((await call("PUT", `/v1/r2/buckets/${ACME.bucket}/objects/photo2.txt`, acme.token, "acme's second photo")).status).toBe(201);
    const { cursor } = JSON.parse((await call("GET", `/v1/r2/buckets/${ACME.bucket}/objects?limit=1`, acme.token)).text);
    const replayed = await call("GET", `/v1/r2/buckets/${ACME.bucket}/objects?limit=1&cursor=${encodeURIComponent(cursor)}`, evil.token);
    expect(replayed).toEqual({
      status: 400,
      text: JSON.stringify({ error: { code: "ERR_BAD_REQUEST", message: "list: Invalid cursor. Pass the cursor from the previous list() result unchanged." } }),
    });
    expect(JSON.parse((await call("GET", `/v1/r2/buckets/${ACME.bucket}/objects`, evil.token)).text).objects).toEqual([]);
    expect((await call("DELETE", `/v1/r2/buckets/${ACME.bucket}/objects/photo2.txt`, acme.token)).status).toBe(204);
    expect((await call("DELETE", `/v1/kv/namespaces/${ACME.namespace}`, evil.token)).status).toBe(204);
    expect((await call("GET", `/v1/kv/namespaces/${ACME.namespace}/values/secret`, acme.token)).text).toBe("acme's value");
    expect((await call("GET", `/v1/r2/buckets/${ACME.bucket}/objects/photo.txt`, acme.token)).text).toBe("acme's photo");
  });

  it("raw stub: a worker calling the Kv entrypoint's bulk methods itself reaches only its own namespace", async () => {
    // The admin API's bulk methods are on the stub tenant code holds too (outpost deploy hides the
    // raw stub behind the shim; a specifier the bundler cannot see, or a bundle sent to the API, does not).
    // Its methods take the invocation's token first, as the shims pass it.
    const probe = `const builtin = () => import(["cloudflare", "workers"].join(":"));
export default {
  async fetch(request, env, ctx) {
    const stub = (await builtin()).env.KV;
    const token = ctx.props.invocation;
    const attempt = async (fn) => { try { await fn(); return "ok"; } catch (error) { return error.message; } };
    return Response.json({
      write: await attempt(() => stub.writeMany(token, [{ key: "secret", value: "evil's" }])),
      smuggled: await attempt(() => stub.writeMany(token, [{ key: "secret", value: "x", options: { namespaceId: "1" } }])),
      remove: await attempt(() => stub.removeMany(token, ["secret"])),
    });
  },
};`;
    const bundle = await bundleWorker(await workerFile(probe));
    expect((await platform.admin("PUT", "/v1/workers/evil-probe", { ...bundle, kv: { KV: ACME.namespace } }, evil.token)).status).toBe(201);
    const before = await acmeData();
    const result = JSON.parse((await platform.fetchWorker("evil-probe")).text);
    expect(result).toEqual({ write: "ok", smuggled: expect.stringContaining("Invalid argument to the KV binding"), remove: "ok" });
    expect(await acmeData()).toEqual(before);
    expect((await call("GET", `/v1/kv/namespaces/${ACME.namespace}/values/secret`, acme.token)).text).toBe("acme's value");
  });

  it("ids: a namespace or bucket named by another tenant's numeric database id is just a name, and not found", async () => {
    for (const id of ["1", "2", "3"]) {
      expect((await call("GET", `/v1/kv/namespaces/${id}/keys`, evil.token)).status).toBe(404);
      expect((await call("GET", `/v1/kv/namespaces/${id}/values/secret`, evil.token)).status).toBe(404);
    }
  });
});
