import { expect, it } from "vitest";
import { BindingError } from "../../runner/errors.ts";
import { KvNamespace, makeKvBinding } from "../../shims/kv.ts";
import { RecordingKvRunner, entry, type Replies } from "./recording-kv-runner.ts";
import { rejection } from "./thrown.ts";

const MiB = 1024 * 1024;
const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);

// Tenant code is plain JavaScript: these calls pass what the KVNamespace types would refuse.
type Untyped = Record<"get" | "getWithMetadata" | "put" | "delete" | "exists" | "list", (...args: unknown[]) => Promise<unknown>>;

function setup(replies: Replies = {}) {
  const runner = new RecordingKvRunner(replies);
  const kv = new KvNamespace(runner);
  return { runner, kv, untyped: kv as unknown as Untyped };
}

function streamOf(...chunks: unknown[]): ReadableStream {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

it("get: an empty key is a TypeError and nothing is sent", async () => {
  const { kv, runner } = setup();
  expect(await rejection(kv.get(""))).toBe("TypeError: Key name cannot be empty.");
  expect(await rejection(kv.getWithMetadata(""))).toBe("TypeError: Key name cannot be empty.");
  expect(runner.calls).toEqual([]);
});

it("get: '.' and '..' are TypeErrors and nothing is sent", async () => {
  const { kv, runner } = setup();
  expect(await rejection(kv.get("."))).toBe('TypeError: "." is not allowed as a key name.');
  expect(await rejection(kv.get(".."))).toBe('TypeError: ".." is not allowed as a key name.');
  expect(runner.calls).toEqual([]);
});

it("put, delete and the extensions: invalid key names are TypeErrors and nothing is sent", async () => {
  const { kv, runner } = setup();
  expect(await rejection(kv.put("", "v"))).toBe("TypeError: Key name cannot be empty.");
  expect(await rejection(kv.delete(".."))).toBe('TypeError: ".." is not allowed as a key name.');
  expect(await rejection(kv.exists("."))).toBe('TypeError: "." is not allowed as a key name.');
  expect(await rejection(kv.getWithVersion(""))).toBe("TypeError: Key name cannot be empty.");
  expect(await rejection(kv.putIfAbsent(".", "v"))).toBe('TypeError: "." is not allowed as a key name.');
  expect(await rejection(kv.putIfVersion("", "v", "1"))).toBe("TypeError: Key name cannot be empty.");
  expect(runner.calls).toEqual([]);
});

it("get: a non-string key is converted to a string", async () => {
  const { untyped, runner } = setup();
  await untyped.get(42);
  await untyped.delete(undefined);
  expect(runner.calls).toEqual([
    ["read", "42", undefined],
    ["remove", "undefined"],
  ]);
});

it("put: objects that are not binary or streams are a TypeError and nothing is sent", async () => {
  const { untyped, runner } = setup();
  const message = "TypeError: KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.";
  expect(await rejection(untyped.put("k", {}))).toBe(message);
  expect(await rejection(untyped.put("k", () => "v"))).toBe(message);
  expect(await rejection(untyped.put("k", ["a"]))).toBe(message);
  expect(runner.calls).toEqual([]);
});

it("put: the key is checked before the value", async () => {
  const { untyped } = setup();
  expect(await rejection(untyped.put("", {}))).toBe("TypeError: Key name cannot be empty.");
});

it("put: a string value is sent as the string", async () => {
  const { kv, runner } = setup();
  await kv.put("k", "héllo");
  expect(runner.calls).toEqual([["write", "k", "héllo", {}]]);
});

it("put: numbers, booleans, undefined and null become strings", async () => {
  const { untyped, runner } = setup();
  for (const value of [42, 1.5, true, undefined, null]) await untyped.put("k", value);
  expect(runner.calls.map((call) => call[2])).toEqual(["42", "1.5", "true", "undefined", "null"]);
});

it("put: an ArrayBuffer is sent as its bytes", async () => {
  const { kv, runner } = setup();
  await kv.put("k", bytes(0, 1, 254, 255).buffer);
  expect(runner.calls).toEqual([["write", "k", bytes(0, 1, 254, 255), {}]]);
});

it("put: a view sends only the bytes it covers", async () => {
  const { kv, runner } = setup();
  await kv.put("k", bytes(9, 9, 7, 8, 9, 9).subarray(2, 4));
  await kv.put("k", new DataView(bytes(1, 2, 3, 4).buffer, 1, 2));
  await kv.put("k", new Uint16Array([0x0102]));
  expect(runner.calls.map((call) => call[2])).toEqual([bytes(7, 8), bytes(2, 3), bytes(0x02, 0x01)]);
});

it("put: a stream is read whole and sent as one byte array", async () => {
  const { kv, runner } = setup();
  await kv.put("k", streamOf(utf8("one,"), utf8("two,"), utf8("three")));
  expect(runner.calls).toEqual([["write", "k", utf8("one,two,three"), {}]]);
});

it("put: stream chunks may be any ArrayBuffer or view and give their raw bytes", async () => {
  const { kv, runner } = setup();
  await kv.put("k", streamOf(bytes(1, 2).buffer, new Uint16Array([0x0403]), new DataView(bytes(0, 5, 6).buffer, 1), bytes(0, 7, 0).subarray(1, 2)));
  expect(runner.calls).toEqual([["write", "k", bytes(1, 2, 3, 4, 5, 6, 7), {}]]);
});

it("put: an empty stream is an empty value", async () => {
  const { kv, runner } = setup();
  await kv.put("k", streamOf());
  expect(runner.calls).toEqual([["write", "k", bytes(), {}]]);
});

it("put: a stream of strings or other non-bytes is a TypeError and nothing is sent", async () => {
  const { kv, runner } = setup();
  expect(await rejection(kv.put("k", streamOf("text")))).toBe("TypeError: This ReadableStream did not return bytes.");
  expect(await rejection(kv.put("k", streamOf(bytes(1), 3)))).toBe("TypeError: This ReadableStream did not return bytes.");
  expect(runner.calls).toEqual([]);
});

it("put: a stream of exactly 25 MiB is sent whole", async () => {
  const { kv, runner } = setup();
  const chunks = Array.from({ length: 25 }, (_, i) => new Uint8Array(MiB).fill(i));
  await kv.put("k", streamOf(...chunks));
  const sent = runner.calls[0]?.[2] as Uint8Array;
  expect([sent.byteLength, sent[0], sent[MiB], sent[25 * MiB - 1]]).toEqual([26_214_400, 0, 1, 24]);
});

it("put: a stream one byte over 25 MiB is refused with a 413, cancelled and nothing is sent", async () => {
  const { kv, runner } = setup();
  let cancelled = false;
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(25 * MiB + 1));
    },
    cancel() {
      cancelled = true;
    },
  });
  expect(await rejection(kv.put("k", stream))).toBe("BindingError: KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.");
  expect(cancelled).toBe(true);
  expect(runner.calls).toEqual([]);
});

it("put: an endless stream is refused once it passes 25 MiB", async () => {
  const { kv, runner } = setup();
  const chunk = new Uint8Array(MiB);
  let cancelled = false;
  const endless = new ReadableStream({
    pull(controller) {
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  expect(await rejection(kv.put("k", endless))).toBe("BindingError: KV PUT failed: 413 Value length of 27262976 exceeds limit of 26214400.");
  expect(cancelled).toBe(true);
  expect(runner.calls).toEqual([]);
});

it("put: a stream that errors rejects with the stream's error and nothing is sent", async () => {
  const { kv, runner } = setup();
  const failing = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes(1));
      controller.error(new RangeError("source failed"));
    },
  });
  expect(await rejection(kv.put("k", failing))).toBe("RangeError: source failed");
  expect(runner.calls).toEqual([]);
});

it("put: expiration options are sent as integers, truncated", async () => {
  const { kv, runner } = setup();
  await kv.put("k", "v", { expiration: 1_800_000_000.9, expirationTtl: 90.9 });
  expect(runner.calls).toEqual([["write", "k", "v", { expiration: 1_800_000_000, expirationTtl: 90 }]]);
});

it("put: non-numeric expiration options become numbers, NaN becomes 0", async () => {
  const { untyped, runner } = setup();
  await untyped.put("k", "v", { expirationTtl: "120" });
  await untyped.put("k", "v", { expirationTtl: NaN });
  await untyped.put("k", "v", { expiration: "soon" });
  expect(runner.calls.map((call) => call[3])).toEqual([{ expirationTtl: 120 }, { expirationTtl: 0 }, { expiration: 0 }]);
});

it("put: absent and null options are not sent", async () => {
  const { untyped, runner } = setup();
  await untyped.put("k", "v");
  await untyped.put("k", "v", { expiration: null, expirationTtl: undefined, metadata: null });
  expect(runner.calls.map((call) => call[3])).toEqual([{}, {}]);
});

it("put: metadata is sent serialised as JSON", async () => {
  const { kv, runner } = setup();
  await kv.put("k", "v", { metadata: { owner: "ana", tags: ["a", "b"], n: 1 } });
  await kv.put("k", "v", { metadata: "plain" });
  await kv.put("k", "v", { metadata: 0 });
  expect(runner.calls.map((call) => call[3])).toEqual([{ metadata: '{"owner":"ana","tags":["a","b"],"n":1}' }, { metadata: '"plain"' }, { metadata: "0" }]);
});

it("get: decodes text by default", async () => {
  const { kv, runner } = setup({ read: entry("héllo ✓") });
  expect(await kv.get("k")).toBe("héllo ✓");
  expect(await kv.get("k", "text")).toBe("héllo ✓");
  expect(await kv.get("k", { type: "text" })).toBe("héllo ✓");
  expect(runner.calls).toEqual([
    ["read", "k", undefined],
    ["read", "k", undefined],
    ["read", "k", undefined],
  ]);
});

it("get: json parses the value", async () => {
  const { kv } = setup({ read: entry('{"n":1,"list":[true,null]}') });
  expect(await kv.get("k", "json")).toEqual({ n: 1, list: [true, null] });
  expect(await kv.get("k", { type: "json" })).toEqual({ n: 1, list: [true, null] });
});

it("get: json of a value that is not JSON is a SyntaxError", async () => {
  const { kv } = setup({ read: entry("not json") });
  expect(await kv.get("k", "json").catch((error: unknown) => error)).toBeInstanceOf(SyntaxError);
});

it("get: arrayBuffer returns an ArrayBuffer of exactly the value's bytes", async () => {
  const stored = bytes(0xaa, 1, 2, 3, 0xbb).subarray(1, 4);
  const { kv } = setup({ read: entry(stored) });
  const value = await kv.get("k", "arrayBuffer");
  expect(value).toBeInstanceOf(ArrayBuffer);
  expect(new Uint8Array(value as ArrayBuffer)).toEqual(bytes(1, 2, 3));
});

it("get: stream returns a ReadableStream of the value", async () => {
  const { kv } = setup({ read: entry("streamed ✓") });
  const value = await kv.get("k", "stream");
  expect(value).toBeInstanceOf(ReadableStream);
  expect(await new Response(value as ReadableStream).text()).toBe("streamed ✓");
});

it("get: a missing key is null for every type", async () => {
  const { kv } = setup({ read: null });
  for (const type of ["text", "json", "arrayBuffer", "stream"] as const) expect(await kv.get("k", type)).toBeNull();
});

it("get: an unknown type is a TypeError once there is a value, null when there is none", async () => {
  const found = setup({ read: entry("v") });
  expect(await rejection(found.untyped.get("k", "blob"))).toBe(
    'TypeError: Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".',
  );
  const missing = setup({ read: null });
  expect(await missing.untyped.get("k", "blob")).toBeNull();
});

it("get: cacheTtl is sent as an integer, truncated, NaN as 0", async () => {
  const { untyped, runner } = setup();
  await untyped.get("k", { cacheTtl: 60 });
  await untyped.get("k", { cacheTtl: 45.9 });
  await untyped.get("k", { type: "json", cacheTtl: NaN });
  await untyped.get("k", { cacheTtl: "300" });
  expect(runner.calls).toEqual([
    ["read", "k", 60],
    ["read", "k", 45],
    ["read", "k", 0],
    ["read", "k", 300],
  ]);
});

it("get: a runner error reaches the caller unchanged", async () => {
  const failure = new BindingError("KV GET", 400, "Invalid cache_ttl of 10. Cache TTL must be at least 30.");
  const { kv } = setup({ failure });
  expect(await kv.get("k", { cacheTtl: 10 }).catch((error: unknown) => error)).toBe(failure);
});

it("getWithMetadata: returns value, parsed metadata and cacheStatus null", async () => {
  const { kv } = setup({ read: entry("v", { owner: "ana" }) });
  expect(await kv.getWithMetadata("k")).toEqual({ value: "v", metadata: { owner: "ana" }, cacheStatus: null });
});

it("getWithMetadata: a value without metadata has metadata null", async () => {
  const { kv } = setup({ read: entry('{"a":1}') });
  expect(await kv.getWithMetadata("k", "json")).toEqual({ value: { a: 1 }, metadata: null, cacheStatus: null });
});

it("getWithMetadata: a missing key gives value and metadata null", async () => {
  const { kv } = setup({ read: null });
  expect(await kv.getWithMetadata("k")).toEqual({ value: null, metadata: null, cacheStatus: null });
  expect(await kv.getWithMetadata("k", "stream")).toEqual({ value: null, metadata: null, cacheStatus: null });
});

it("getWithMetadata: has exactly the keys value, metadata and cacheStatus", async () => {
  const { kv } = setup({ read: entry("v") });
  expect(Object.keys((await kv.getWithMetadata("k")) as object)).toEqual(["value", "metadata", "cacheStatus"]);
});

it("get (bulk): returns a Map in the order of the keys, null where missing", async () => {
  const { kv, runner } = setup({ readMany: [{ value: utf8("2"), metadata: null }, null, { value: utf8("1"), metadata: null }] });
  const result = await kv.get(["b", "missing", "a"]);
  expect(result).toBeInstanceOf(Map);
  expect([...(result as Map<string, unknown>)]).toEqual([
    ["b", "2"],
    ["missing", null],
    ["a", "1"],
  ]);
  expect(runner.calls).toEqual([["readMany", ["b", "missing", "a"], "text"]]);
});

it("get (bulk): json parses each value", async () => {
  const { kv, runner } = setup({
    readMany: [
      { value: utf8('{"n":1}'), metadata: null },
      { value: utf8("[2]"), metadata: null },
    ],
  });
  expect([...((await kv.get(["a", "b"], "json")) as Map<string, unknown>)]).toEqual([
    ["a", { n: 1 }],
    ["b", [2]],
  ]);
  expect(runner.calls).toEqual([["readMany", ["a", "b"], "json"]]);
});

it("get (bulk): keys are converted to strings and the type is left to the runner to check", async () => {
  const { untyped, runner } = setup();
  await untyped.get([1, "b"], { type: "arrayBuffer" });
  expect(runner.calls).toEqual([["readMany", ["1", "b"], "arrayBuffer"]]);
});

it("getWithMetadata (bulk): each found key has value and parsed metadata, missing keys are null", async () => {
  const { kv } = setup({ readMany: [{ value: utf8("1"), metadata: '{"v":1}' }, null, { value: utf8("3"), metadata: null }] });
  expect([...((await kv.getWithMetadata(["a", "b", "c"])) as Map<string, unknown>)]).toEqual([
    ["a", { value: "1", metadata: { v: 1 } }],
    ["b", null],
    ["c", { value: "3", metadata: null }],
  ]);
});

it("delete: sends remove and resolves to undefined", async () => {
  const { kv, runner } = setup();
  expect(await kv.delete("k")).toBeUndefined();
  expect(runner.calls).toEqual([["remove", "k"]]);
});

it("list: with no options sends no options", async () => {
  const { kv, runner } = setup();
  await kv.list();
  await kv.list({});
  expect(runner.calls).toEqual([
    ["list", {}],
    ["list", {}],
  ]);
});

it("list: sends prefix, limit and cursor", async () => {
  const { kv, runner } = setup();
  await kv.list({ prefix: "user/", limit: 10, cursor: "abc.def" });
  expect(runner.calls).toEqual([["list", { prefix: "user/", limit: 10, cursor: "abc.def" }]]);
});

it("list: limit is truncated; zero, negative and NaN limits are not sent (the default applies)", async () => {
  const { untyped, runner } = setup();
  for (const limit of [10.7, "5", 0, -1, NaN, 0.5]) await untyped.list({ limit });
  expect(runner.calls).toEqual([
    ["list", { limit: 10 }],
    ["list", { limit: 5 }],
    ["list", {}],
    ["list", {}],
    ["list", {}],
    ["list", {}],
  ]);
});

it("list: an empty cursor and null options are not sent", async () => {
  const { untyped, runner } = setup();
  await untyped.list({ prefix: null, limit: null, cursor: "" });
  await untyped.list({ cursor: null });
  expect(runner.calls).toEqual([
    ["list", {}],
    ["list", {}],
  ]);
});

it("list: returns the runner's result with cacheStatus null", async () => {
  const { kv } = setup({
    list: { keys: [{ name: "a", expiration: 1_800_000_000, metadata: { v: 1 } }, { name: "b" }], list_complete: false, cursor: "c.d" },
  });
  expect(await kv.list({ limit: 2 })).toEqual({
    keys: [{ name: "a", expiration: 1_800_000_000, metadata: { v: 1 } }, { name: "b" }],
    list_complete: false,
    cursor: "c.d",
    cacheStatus: null,
  });
});

it("list: a complete list has no cursor", async () => {
  const { kv } = setup({ list: { keys: [], list_complete: true } });
  expect(await kv.list()).toEqual({ keys: [], list_complete: true, cacheStatus: null });
});

it("exists: returns what the runner answers", async () => {
  expect(await setup({ exists: true }).kv.exists("k")).toBe(true);
  expect(await setup({ exists: false }).kv.exists("k")).toBe(false);
});

it("getWithVersion: returns value, metadata and version, or null when missing", async () => {
  expect(await setup({ read: entry("v", { a: 1 }, "42") }).kv.getWithVersion("k")).toEqual({ value: "v", metadata: { a: 1 }, version: "42" });
  expect(await setup({ read: entry("[1]", null, "43") }).kv.getWithVersion("k", "json")).toEqual({ value: [1], metadata: null, version: "43" });
  expect(await setup({ read: null }).kv.getWithVersion("k")).toBeNull();
});

it("putIfAbsent: true when the runner stored it, false when the key already had a value", async () => {
  const stored = setup({ writeIfAbsent: "5" });
  expect(await stored.kv.putIfAbsent("k", "v", { expirationTtl: 60 })).toBe(true);
  expect(stored.runner.calls).toEqual([["writeIfAbsent", "k", "v", { expirationTtl: 60 }]]);
  expect(await setup({ writeIfAbsent: null }).kv.putIfAbsent("k", "v")).toBe(false);
});

it("putIfVersion: sends the version as a string and returns the new version, or null", async () => {
  const won = setup({ writeIfVersion: "6" });
  expect(await won.kv.putIfVersion("k", bytes(1), 5 as unknown as string)).toBe("6");
  expect(won.runner.calls).toEqual([["writeIfVersion", "k", bytes(1), "5", {}]]);
  expect(await setup({ writeIfVersion: null }).kv.putIfVersion("k", "v", "5")).toBeNull();
});

it("KvNamespace: exposes no own or enumerable property", () => {
  const { kv } = setup();
  expect(Object.keys(kv)).toEqual([]);
  expect(Reflect.ownKeys(kv)).toEqual([]);
  expect(Object.getOwnPropertyNames(kv)).toEqual([]);
  expect(JSON.stringify(kv)).toBe("{}");
  expect({ ...kv }).toEqual({});
  const enumerated: string[] = [];
  for (const name in kv) enumerated.push(name);
  expect(enumerated).toEqual([]);
});

it("KvNamespace: its prototype holds only the API methods", () => {
  const { kv } = setup();
  expect(Reflect.ownKeys(Object.getPrototypeOf(kv)).sort()).toEqual(
    ["constructor", "delete", "exists", "get", "getWithMetadata", "getWithVersion", "list", "put", "putIfAbsent", "putIfVersion"].sort(),
  );
});

it("makeKvBinding: returns a KvNamespace that sends to the given runner", async () => {
  const runner = new RecordingKvRunner();
  const kv = makeKvBinding(runner);
  expect(kv).toBeInstanceOf(KvNamespace);
  await kv.delete("k");
  expect(runner.calls).toEqual([["remove", "k"]]);
});
