// Property-based fuzzing of every binding method (KV, R2, queues, vault, Secrets Store, D1) from a
// tenant worker on the real platform, many cases per request (test/fuzz/worker.js). No call
// hangs, no error carries runner internals (stack frames, SQL, a storage failure), what a call
// refuses is not stored, and what is stored comes back byte-identical.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { bytesTag, check, fuzzSeeds, within, nastyJson, nastyNumber, nastyString, storableString } from "./fuzz.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
const seeds = fuzzSeeds();
const WORKER = fileURLToPath(new URL("./worker.js", import.meta.url));

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  await platform.deploy("fuzz", WORKER, {
    kv: { KV: "fuzz-ns" },
    r2: { B: "fuzz-bucket" },
    vaults: ["VAULT"],
    secretsStore: { S: { secret: "bound" } },
    d1: { DB: { databaseName: "fuzz-db" } },
    queues: {
      producers: { Q: { queue: "fq" }, RT: { queue: "fq-rt" } },
      consumers: [
        { queue: "fq", type: "http_pull" },
        { queue: "fq-rt", type: "http_pull" },
      ],
    },
  });
  expect(await run([{ method: "DB.exec", args: ["CREATE TABLE fz (v)"] }])).toEqual([{ ok: { count: 1, duration: expect.any(Number) } }]);
}, 120_000);
afterAll(() => platform?.stop());

/** Values JSON cannot carry, tagged for the fuzz worker's decode(). */
function tag(value) {
  if (value === undefined) return { $: "undefined" };
  if (typeof value === "number" && !Number.isFinite(value)) return { $: "number", value: String(value) };
  if (value instanceof Uint8Array) return bytesTag(value);
  if (Array.isArray(value)) return value.map(tag);
  if (value === null || typeof value !== "object" || value.$ === "stream") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, tag(item)]));
}

/** Runs a batch of cases in the fuzz worker; one result per case. */
async function run(cases) {
  const body = JSON.stringify(cases.map(({ method, args, upload }) => ({ method, args: tag(args), ...(upload ? { upload } : {}) })));
  const response = await within(platform.fetchWorker("fuzz", "/", { method: "POST", body }), 60_000);
  expect(response.status, response.text).toBe(200);
  return JSON.parse(response.text);
}

const INTERNALS = /runner\.js|PostgresError|Internal error|\(10001\)|Internal Server Error|Unknown Internal Error|blob store/;

/** What every result must satisfy: it settled, and an error shows nothing of the runner. */
function expectSettledCleanly(result, what) {
  expect(result.hang, `${what} hung`).toBeUndefined();
  if (result.error) {
    expect(result.error.message, what).not.toMatch(INTERNALS);
    expect(result.error.stack, what).not.toMatch(INTERNALS);
  }
}

// Arguments for every method, hostile and plausible mixed.
const key = fc.oneof(fc.constantFrom("k", "a/b", "a/c"), nastyString);
const maybe = (arbitrary) => fc.option(arbitrary, { nil: undefined });
const bytes = fc.uint8Array({ maxLength: 64 });
/** A stream: byte chunks, perhaps a chunk that is not bytes, perhaps failing before chunk `at`. */
const stream = fc
  .record({
    chunks: fc.array(fc.oneof(bytes.map(bytesTag), fc.constantFrom("text chunk", 42)), { maxLength: 4 }),
    fail: maybe(fc.record({ at: fc.nat(3), message: fc.constantFrom("source failed") })),
  })
  .map((source) => ({ $: "stream", ...source }));
const value = fc.oneof(nastyString, bytes, stream, nastyNumber, fc.constant(null));
const metadata = fc.dictionary(nastyString, nastyString, { maxKeys: 3 });
const getOptions = maybe(
  fc.oneof(
    fc.constantFrom("text", "json", "arrayBuffer", "stream", "bogus"),
    fc.record({ type: maybe(fc.constantFrom("text", "json", "arrayBuffer")), cacheTtl: maybe(nastyNumber) }),
  ),
);
const putOptions = maybe(fc.record({ expiration: maybe(nastyNumber), expirationTtl: maybe(nastyNumber), metadata: maybe(nastyJson) }));
const range = fc.record({ offset: maybe(nastyNumber), length: maybe(nastyNumber), suffix: maybe(nastyNumber) });
const sql = fc.oneof(
  fc.constantFrom("SELECT ? AS v", "SELECT ?, ?", "INSERT INTO fz VALUES (?)", "SELECT v FROM fz WHERE v = ?", "DELETE FROM fz WHERE v = ?", "ATTACH ? AS x"),
  nastyString,
);
const boundValues = fc.array(fc.oneof(nastyString, nastyNumber, bytes, fc.boolean(), fc.constant(null), nastyJson), { maxLength: 3 });

const METHODS = {
  "KV.get": fc.tuple(key, getOptions),
  "KV.getWithMetadata": fc.tuple(fc.oneof(key, fc.array(key, { maxLength: 120 })), getOptions),
  "KV.getWithVersion": fc.tuple(key, getOptions),
  "KV.exists": fc.tuple(key),
  "KV.put": fc.tuple(key, value, putOptions),
  "KV.putIfAbsent": fc.tuple(key, value, putOptions),
  "KV.putIfVersion": fc.tuple(key, value, nastyString, putOptions),
  "KV.delete": fc.tuple(key),
  "KV.list": fc.tuple(maybe(fc.record({ prefix: maybe(nastyString), limit: maybe(nastyNumber), cursor: maybe(nastyString) }))),
  "B.head": fc.tuple(key),
  "B.get": fc.tuple(
    key,
    maybe(fc.record({ range: maybe(range), onlyIf: maybe(fc.record({ etagMatches: maybe(nastyString), uploadedBefore: maybe(nastyNumber) })) })),
  ),
  "B.put": fc.tuple(
    key,
    value,
    maybe(
      fc.record({
        customMetadata: maybe(metadata),
        httpMetadata: maybe(fc.record({ contentType: nastyString })),
        md5: maybe(nastyString),
        storageClass: maybe(nastyString),
      }),
    ),
  ),
  "B.delete": fc.tuple(fc.oneof(key, fc.array(key, { maxLength: 5 }))),
  "B.list": fc.tuple(
    maybe(
      fc.record({
        prefix: maybe(nastyString),
        delimiter: maybe(nastyString),
        cursor: maybe(nastyString),
        startAfter: maybe(nastyString),
        limit: maybe(nastyNumber),
      }),
    ),
  ),
  "B.createMultipartUpload": fc.tuple(key, maybe(fc.record({ customMetadata: maybe(metadata), httpMetadata: maybe(fc.record({ contentType: nastyString })) }))),
  "B.createPresignedUrl": fc.tuple(key, maybe(fc.record({ method: maybe(nastyString), expiresIn: maybe(nastyNumber) }))),
  "upload.uploadPart": fc.tuple(nastyNumber, value),
  "upload.abort": fc.tuple(),
  "upload.complete": fc.tuple(fc.array(fc.record({ partNumber: nastyNumber, etag: nastyString }), { maxLength: 3 })),
  "Q.send": fc.tuple(
    nastyJson,
    maybe(fc.record({ contentType: maybe(fc.constantFrom("text", "json", "bytes", "v8", "bogus")), delaySeconds: maybe(nastyNumber) })),
  ),
  "Q.sendBatch": fc.tuple(
    fc.array(fc.record({ body: nastyJson, contentType: maybe(fc.constantFrom("text", "json", "v8")), delaySeconds: maybe(nastyNumber) }), { maxLength: 4 }),
    maybe(fc.record({ delaySeconds: maybe(nastyNumber) })),
  ),
  "Q.metrics": fc.tuple(),
  "Q.receive": fc.tuple(maybe(fc.record({ batchSize: maybe(nastyNumber), visibilityTimeoutMs: maybe(nastyNumber) }))),
  "Q.ack": fc.tuple(fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 }))),
  "Q.nack": fc.tuple(fc.array(nastyString, { maxLength: 3 }), maybe(fc.record({ delaySeconds: maybe(nastyNumber) }))),
  "Q.changeVisibility": fc.tuple(nastyString, nastyNumber),
  "VAULT.get": fc.tuple(nastyString),
  "VAULT.set": fc.tuple(fc.oneof(fc.constant("s"), nastyString), nastyString),
  "VAULT.delete": fc.tuple(nastyString),
  "VAULT.list": fc.tuple(),
  "S.get": fc.tuple(),
  "DB.all": fc.tuple(sql, boundValues),
  "DB.run": fc.tuple(sql, boundValues),
  "DB.first": fc.tuple(sql, boundValues, maybe(nastyString)),
  "DB.raw": fc.tuple(sql, boundValues, maybe(fc.record({ columnNames: maybe(fc.boolean()) }))),
  "DB.batch": fc.tuple(fc.array(fc.tuple(sql, boundValues), { maxLength: 3 })),
  "DB.exec": fc.tuple(sql),
};

const upload = fc.record({ key, uploadId: fc.oneof(nastyString, fc.constant("0".repeat(64))) });
const anyCase = fc.constantFrom(...Object.keys(METHODS)).chain((method) => fc.record({ method: fc.constant(method), args: METHODS[method], upload }));

it("every binding method, hostile arguments: each call settles, and no error shows runner internals", async () => {
  await check(
    seeds,
    fc.asyncProperty(fc.array(anyCase, { minLength: 40, maxLength: 40 }), async (cases) => {
      const results = await run(cases);
      results.forEach((result, i) => expectSettledCleanly(result, `${cases[i].method}(${JSON.stringify(tag(cases[i].args))})`));
    }),
    25,
  );
  expect((await readdir(join(platform.dataDir, "blobs"))).filter((name) => name.endsWith(".partial"))).toEqual([]);
}, 90_000);

let round = 0;
/** Keys no other case uses, so a read shows exactly what this case stored. */
const fresh = (i) => `rt-${++round}-${i}`;

/** What RPC makes of a string: UTF-8, so a lone surrogate arrives as U+FFFD (as with workerd's own bindings). */
const utf8 = (text) => new Uint8Array(Buffer.from(text.toWellFormed(), "utf8"));
const b64 = (data) => Buffer.from(data).toString("base64");

it("KV put then getWithMetadata: values and metadata come back byte-identical; a refused put stores nothing", async () => {
  const entry = fc.record({ value: fc.oneof(nastyString, bytes), metadata: maybe(nastyJson), expirationTtl: maybe(fc.oneof(nastyNumber, fc.constant(3600))) });
  await check(
    seeds,
    fc.asyncProperty(fc.array(entry, { minLength: 10, maxLength: 10 }), async (entries) => {
      const keys = entries.map((_, i) => fresh(i));
      const cases = entries.flatMap(({ value, metadata, expirationTtl }, i) => [
        { method: "KV.put", args: [keys[i], value, { metadata, expirationTtl }] },
        { method: "KV.getWithMetadata", args: [keys[i], "arrayBuffer"] },
      ]);
      const results = await run(cases);
      entries.forEach(({ value, metadata }, i) => {
        const [put, read] = [results[2 * i], results[2 * i + 1]];
        expectSettledCleanly(put, "KV.put");
        expectSettledCleanly(read, "KV.getWithMetadata");
        if (put.error) return expect(read.ok).toEqual({ value: null, metadata: null, cacheStatus: null });
        expect(read.ok.value.b64).toBe(b64(typeof value === "string" ? utf8(value) : value));
        expect(read.ok.metadata).toEqual(metadata === undefined ? null : JSON.parse(JSON.stringify(metadata)));
      });
    }),
    10,
  );
}, 60_000);

/** For a stream value: the error its put must end with (a pattern), or false when it can be read whole. */
function streamOutcome(value) {
  if (value?.$ !== "stream") return false;
  for (let i = 0; ; i++) {
    if (value.fail && i === value.fail.at) return /^source failed$/;
    if (i >= value.chunks.length) return false;
    if (typeof value.chunks[i] !== "object") return /^This ReadableStream did not return bytes\.$/;
  }
}

it("R2 put then get: bodies and custom metadata come back byte-identical; a refused or failed put stores nothing", async () => {
  const object = fc.record({ value: fc.oneof(bytes, storableString, stream), customMetadata: maybe(metadata) });
  await check(
    seeds,
    fc.asyncProperty(fc.array(object, { minLength: 10, maxLength: 10 }), async (objects) => {
      const keys = objects.map((_, i) => fresh(i));
      const cases = objects.flatMap(({ value, customMetadata }, i) => [
        { method: "B.put", args: [keys[i], value, { customMetadata }] },
        { method: "B.get", args: [keys[i]] },
      ]);
      const results = await run(cases);
      objects.forEach(({ value, customMetadata }, i) => {
        const [put, read] = [results[2 * i], results[2 * i + 1]];
        expectSettledCleanly(put, "B.put");
        expectSettledCleanly(read, "B.get");
        // Why this put must fail, if it must: the stream's own failure, a chunk that is not bytes, metadata Postgres cannot keep.
        const reasons = [
          streamOutcome(value),
          Object.entries(customMetadata ?? {})
            .flat()
            .some((text) => /[\u0000\p{Cs}]/u.test(text)) && /^put: Metadata names/,
        ];
        const expectedErrors = reasons.filter(Boolean);
        if (put.error) {
          expect(
            expectedErrors.some((reason) => put.error.message.match(reason)),
            put.error.message,
          ).toBe(true);
          return expect(read.ok).toBeNull();
        }
        expect(expectedErrors).toEqual([]);
        const expected =
          typeof value === "string"
            ? utf8(value)
            : value instanceof Uint8Array
              ? value
              : Buffer.concat(value.chunks.map((chunk) => Buffer.from(chunk.b64, "base64")));
        expect(read.ok.body.b64).toBe(b64(expected));
        expect(read.ok.customMetadata).toEqual(customMetadata ?? {});
      });
    }),
    10,
  );
}, 60_000);

it("queue sendBatch then receive: bodies come back identical; a refused batch queues nothing", async () => {
  const message = fc.oneof(
    nastyJson.map((body) => ({ body, contentType: "json" })),
    nastyJson.map((body) => ({ body, contentType: "v8" })),
    storableString.map((body) => ({ body, contentType: "text" })),
    bytes.map((body) => ({ body, contentType: "bytes" })),
  );
  await check(
    seeds,
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 10 }), async (messages) => {
      const [sent, received] = await run([
        { method: "RT.sendBatch", args: [messages] },
        { method: "RT.receive", args: [{ batchSize: 10 }] },
      ]);
      expectSettledCleanly(sent, "RT.sendBatch");
      expectSettledCleanly(received, "RT.receive");
      if (sent.error) return expect(received.ok).toEqual([]);
      const bodies = received.ok.map((m) => m.body);
      expect(bodies).toEqual(
        messages.map(({ body, contentType }) =>
          contentType === "bytes" ? bytesTag(body) : contentType === "json" ? tag(JSON.parse(JSON.stringify(body))) : tag(body),
        ),
      );
      const [acked] = await run([{ method: "RT.ack", args: [received.ok.map((m) => m.leaseId)] }]);
      expectSettledCleanly(acked, "RT.ack");
    }),
    20,
  );
}, 60_000);

it("vault set then get: values come back byte-identical; a refused set stores nothing", async () => {
  await check(
    seeds,
    fc.asyncProperty(fc.array(nastyString, { minLength: 10, maxLength: 10 }), async (values) => {
      const names = values.map((_, i) => fresh(i));
      const results = await run(
        values.flatMap((value, i) => [
          { method: "VAULT.set", args: [names[i], value] },
          { method: "VAULT.get", args: [names[i]] },
        ]),
      );
      values.forEach((value, i) => {
        const [set, read] = [results[2 * i], results[2 * i + 1]];
        expectSettledCleanly(set, "VAULT.set");
        expectSettledCleanly(read, "VAULT.get");
        expect(read.ok).toBe(set.error ? null : value);
        if (set.error) expect(value).not.toBe(value.toWellFormed());
      });
    }),
    10,
  );
}, 60_000);

it("D1 bind then select: strings, numbers and bytes come back identical; a value D1 refuses stores nothing", async () => {
  const refused = fc.constantFrom(undefined, {});
  const bound = fc.oneof(storableString, fc.double({ noNaN: true, noDefaultInfinity: true }), bytes, refused);
  const count = async () => (await run([{ method: "DB.first", args: ["SELECT count(*) AS n FROM fz", [], "n"] }]))[0].ok;
  await check(
    seeds,
    fc.asyncProperty(fc.array(bound, { minLength: 10, maxLength: 10 }), async (values) => {
      const before = await count();
      const results = await run(
        values.flatMap((value) => [
          { method: "DB.first", args: ["SELECT ? AS v", [value], "v"] },
          { method: "DB.run", args: ["INSERT INTO fz VALUES (?)", [value]] },
        ]),
      );
      let stored = 0;
      values.forEach((value, i) => {
        const [read, write] = [results[2 * i], results[2 * i + 1]];
        expectSettledCleanly(read, "DB.first");
        expectSettledCleanly(write, "DB.run");
        if (value === undefined || (typeof value === "object" && !(value instanceof Uint8Array))) {
          expect(read.error.message).toMatch(/^D1_TYPE_ERROR: Type '(undefined|object)' not supported for value /);
          expect(write.error.message).toMatch(/^D1_TYPE_ERROR: /);
        } else {
          // JSON (the test's wire) makes -0 a 0.
          expect(read.ok).toEqual(value instanceof Uint8Array ? [...value] : value === 0 ? 0 : value);
          expect(write.ok.meta.changes).toBe(1);
          stored++;
        }
      });
      expect(await count()).toBe(before + stored);
    }),
    10,
  );
}, 60_000);
