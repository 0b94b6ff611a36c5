// Property-based fuzzing of the admin API: every route the OpenAPI document lists, called with
// hostile path segments, queries and bodies. Never a 5xx, every refusal in the JSON error shape,
// nothing stored on refusal, and what is accepted comes back byte-identical.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";
import { check, expectAdminError, fetchWithin, fuzzSeeds, hasUnstorableText, jsonOf, nastyJson, nastyNumber, nastyString, storableString } from "./fuzz.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
let bundle;
const seeds = fuzzSeeds();

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  const source = `export default {
    async fetch(request, env) {
      if (new URL(request.url).pathname === "/vault") return Response.json(await env.VAULT.get("fuzzed"));
      return new Response(JSON.stringify(env.V));
    },
  };`;
  bundle = await bundleWorker(await workerFile(source));
  const queues = { producers: { Q: { queue: "fq" } }, consumers: [{ queue: "fq", type: "http_pull" }] };
  // KV namespace and R2 bucket "app": the data routes' fuzzed names reach a resource that exists.
  const data = { kv: { KV: "app" }, r2: { BUCKET: "app" }, d1: { DB: { databaseName: "app" } } };
  expect((await platform.admin("PUT", "/v1/workers/app", { ...bundle, queues, vaults: ["VAULT"], ...data })).status).toBe(201);
  // The route fuzzing may delete "app"; the vault property reads through a worker it never names.
  expect((await platform.admin("PUT", "/v1/workers/vault-reader", { ...bundle, vaults: ["VAULT"] })).status).toBe(201);
}, 120_000);
afterAll(() => platform?.stop());

/** One admin call with a raw path and body text; the body parsed when it is JSON. */
async function call(method, path, body) {
  const response = await fetchWithin(platform.adminUrl + path, {
    method,
    headers: { authorization: `Bearer ${platform.token}`, "content-type": "application/json" },
    ...(body === undefined || method === "GET" ? {} : { body }),
  });
  // A live tail streams for as long as it is read: its status is the answer.
  if (response.headers.get("content-type") === "application/x-ndjson") {
    await response.body?.cancel();
    return { status: response.status, body: "" };
  }
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

/** What the admin API has stored, as far as a refusal could have changed it. */
async function snapshot() {
  const paths = ["/v1/workers", "/v1/workers/app/versions", "/v1/workers/app/secrets", "/v1/tokens", "/v1/vault", "/v1/domains", "/v1/routes"];
  const reads = await Promise.all(paths.map((path) => call("GET", path)));
  const queues = (await call("GET", "/v1/queues")).body.queues.map((queue) => [queue.name, queue.depth, queue.inFlight, queue.delayed]);
  return JSON.stringify([reads, queues]);
}

/** A path segment: a plausible name, or hostile text percent-encoded byte by byte (NUL, invalid UTF-8, lone surrogates as WTF-8). */
const segment = fc.oneof(
  fc.constantFrom("app", "fq", "VAULT", "tok_abc", "example.com", "a".repeat(70), "0".repeat(64)),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("")),
  fc.constantFrom("%00", "%ED%A0%80", "%C0%AE", "%FF", "__proto__", "%2e%2e"),
);

/** Valid bodies per route, so that mutations of them reach past the first check. */
function validBody(path) {
  if (path === "/v1/workers/{name}") return { ...bundle, vars: { A: "x" }, message: "m" };
  if (path.endsWith("/rollout")) return { version: "0".repeat(64), percent: 10 };
  if (path === "/v1/tokens") return { name: "t" };
  if (path.includes("secrets/{secret}") || path === "/v1/vault/{secret}") return { value: "v" };
  if (path.endsWith("/messages")) return { messages: [{ body: "x", contentType: "text" }] };
  if (path.endsWith("/pull")) return { batch_size: 1 };
  if (path.endsWith("/ack")) return { acks: [], retries: [] };
  if (path.endsWith("/visibility")) return { lease_id: "0".repeat(64), visibility_timeout_ms: 1000 };
  if (path === "/v1/maintenance/incidents") return { kind: "crash", process: 0, suspects: [], inFlight: 0 };
  if (path === "/v1/assets/missing") return { hashes: [] };
  if (path === "/v1/kv/namespaces" || path === "/v1/r2/buckets" || path === "/v1/d1/databases") return { name: "fuzzed" };
  if (path === "/v1/d1/databases/{database}/query") return { sql: "SELECT 1" };
  if (path === "/v1/workers/{name}/secrets") return { secrets: { A: "v" } };
  return {};
}

/** A body: hostile JSON, not JSON at all, or a valid body with one field replaced or added. */
const bodyFor = (path) =>
  fc.oneof(
    nastyJson.map((value) => JSON.stringify(value)),
    fc.constantFrom("", "{", "[]", "null", '{"__proto__":{"x":1}}', '{"constructor":null}'),
    fc
      .tuple(fc.oneof(fc.constantFrom("", ...Object.keys(validBody(path))), nastyString), fc.oneof(nastyJson, nastyNumber))
      .map(([key, value]) => JSON.stringify({ ...validBody(path), [key]: value })),
  );

const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom("?tenant=default", "?tenant=%00", "?tenant=%ED%A0%80", "?limit=1e309", "?limit=-1", "?before=0", "?tenant=__proto__"),
);

it("every admin route: no 5xx, refusals are JSON errors, and a refused change stores nothing", async () => {
  const document = (await call("GET", "/openapi.json")).body;
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
  );
  expect(operations.length).toBeGreaterThan(30);
  const request = fc.constantFrom(...operations).chain(({ path, method }) =>
    fc.record({
      path: fc.constant(path),
      method: fc.constant(method),
      params: fc.array(segment, { minLength: 3, maxLength: 3 }),
      query,
      body: bodyFor(path),
    }),
  );
  await check(
    seeds,
    fc.asyncProperty(request, async ({ path, method, params, query, body }) => {
      let i = 0;
      const url = path.replace(/\{\w+\}/g, () => params[i++]) + query;
      const changes = method !== "GET";
      const before = changes ? await snapshot() : "";
      const response = await call(method, url, body);
      expect(response.status, `${method} ${url} ${body}`).toBeLessThan(500);
      if (response.status >= 400) {
        expectAdminError(response.body);
        if (changes && response.status !== 404) expect(await snapshot(), `${method} ${url} ${body} stored something`).toBe(before);
      }
    }),
    250,
  );
}, 60_000);

/** JSON with object keys sorted: vars are kept as jsonb, which orders keys its own way. */
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical(value[key])]),
  );
}

it("deploy vars: hostile JSON is refused with nothing stored, or served back with every value identical", async () => {
  await check(
    seeds,
    fc.asyncProperty(fc.oneof(jsonOf(storableString), jsonOf(nastyString)), async (value) => {
      const before = await snapshot();
      const response = await call("PUT", "/v1/workers/echo", JSON.stringify({ ...bundle, vars: { V: value } }));
      expect(response.status).toBeLessThan(500);
      const acceptable = !hasUnstorableText(value) && JSON.stringify(value).length <= 5 * 1024;
      expect(response.status < 300, JSON.stringify(response.body)).toBe(acceptable);
      if (response.status >= 400) {
        expectAdminError(response.body);
        expect(await snapshot()).toBe(before);
        return;
      }
      expect(JSON.stringify(canonical(JSON.parse((await platform.fetchWorker("echo")).text)))).toBe(JSON.stringify(canonical(value)));
    }),
    20,
  );
}, 60_000);

it("token names: stored exactly as given, or refused with no token created", async () => {
  await check(
    seeds,
    fc.asyncProperty(nastyString, async (name) => {
      const before = await snapshot();
      const created = await call("POST", "/v1/tokens", JSON.stringify({ name }));
      expect(created.status).toBeLessThan(500);
      expect(created.status === 201).toBe(!hasUnstorableText(name) && name.length >= 1 && name.length <= 100);
      if (created.status >= 400) {
        expectAdminError(created.body);
        expect(await snapshot()).toBe(before);
        return;
      }
      const listed = (await call("GET", "/v1/tokens")).body.tokens.find((token) => token.id === created.body.id);
      expect(listed.name).toBe(name);
      expect((await call("DELETE", `/v1/tokens/${created.body.id}`)).status).toBe(204);
    }),
    30,
  );
}, 60_000);

it("queue HTTP publish and pull: bodies come back byte-identical, or the publish is refused with nothing queued", async () => {
  const message = fc.oneof(
    nastyJson.map((body) => ({ body, contentType: "json" })),
    nastyString.map((body) => ({ body, contentType: "text" })),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ body: Buffer.from(bytes).toString("base64"), contentType: "bytes" })),
  );
  await check(
    seeds,
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 5 }), async (messages) => {
      const before = await snapshot();
      const sent = await call("POST", "/v1/queues/fq/messages", JSON.stringify({ messages }));
      expect(sent.status).toBeLessThan(500);
      if (sent.status >= 400) {
        expectAdminError(sent.body);
        expect(await snapshot()).toBe(before);
        return;
      }
      const pulled = (await call("POST", "/v1/queues/fq/messages/pull", JSON.stringify({ batch_size: 10 }))).body.messages;
      // Pulled json bodies are their JSON text, bytes are base64, as in Cloudflare's pull API.
      const wire = (m) => [m.contentType, m.contentType === "json" ? JSON.stringify(m.body) : m.body];
      expect(pulled.map((m) => [m.contentType, m.body])).toEqual(messages.map(wire));
      const acked = await call("POST", "/v1/queues/fq/messages/ack", JSON.stringify({ acks: pulled.map((m) => ({ lease_id: m.lease_id })) }));
      expect(acked.body.ackCount).toBe(messages.length);
    }),
    30,
  );
}, 60_000);

it("vault values set through the admin API: refused with nothing stored, or read back byte-identical by the tenant", async () => {
  await check(
    seeds,
    fc.asyncProperty(storableString, fc.boolean(), async (text, loneSurrogate) => {
      const value = loneSurrogate ? `${text}\ud800` : text;
      const before = await snapshot();
      const response = await call("PUT", "/v1/vault/fuzzed", JSON.stringify({ value }));
      expect(response.status).toBe(loneSurrogate ? 400 : 204);
      if (response.status >= 400) {
        expectAdminError(response.body);
        expect(await snapshot()).toBe(before);
        return;
      }
      expect(loneSurrogate).toBe(false);
      expect(JSON.parse((await platform.fetchWorker("vault-reader", "/vault")).text)).toBe(value);
      expect((await call("DELETE", "/v1/vault/fuzzed")).status).toBe(204);
    }),
    20,
  );
}, 60_000);
