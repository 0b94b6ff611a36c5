// The KV behaviour suite: written once against Cloudflare's KVNamespace API and run twice,
// on Miniflare's KV (the reference) and on Outpost's binding (test/integration/kv-suite.test.js).
// Each case uses its own key prefix so cases never see each other's keys.
import assert from "node:assert/strict";

type Case = (kv: KVNamespace) => Promise<void>;

const MiB = 1024 * 1024;
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

async function rejects(promise: Promise<unknown>, name: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.message, message);
    assert.equal(error.name, name);
    return true;
  });
}

async function text(stream: ReadableStream | null): Promise<string> {
  return new Response(stream).text();
}

export const kvCases: Record<string, Case> = {
  "get: missing key returns null": async (kv) => {
    assert.equal(await kv.get("get-missing/nothing"), null);
    assert.equal(await kv.get("get-missing/nothing", "json"), null);
    assert.equal(await kv.get("get-missing/nothing", "stream"), null);
  },

  "put/get: string round trip": async (kv) => {
    await kv.put("roundtrip/a", "héllo ✓");
    assert.equal(await kv.get("roundtrip/a"), "héllo ✓");
    assert.equal(await kv.get("roundtrip/a", { type: "text" }), "héllo ✓");
  },

  "get: json, arrayBuffer and stream types": async (kv) => {
    await kv.put("types/json", JSON.stringify({ n: 1, list: [true, null] }));
    assert.deepEqual(await kv.get("types/json", "json"), { n: 1, list: [true, null] });
    assert.deepEqual(await kv.get("types/json", { type: "json" }), { n: 1, list: [true, null] });
    const buffer = await kv.get("types/json", "arrayBuffer");
    assert.ok(buffer instanceof ArrayBuffer);
    assert.equal(new TextDecoder().decode(buffer), '{"n":1,"list":[true,null]}');
    assert.equal(await text(await kv.get("types/json", "stream")), '{"n":1,"list":[true,null]}');
  },

  "get: json of a non-JSON value throws SyntaxError": async (kv) => {
    await kv.put("badjson/a", "not json");
    await assert.rejects(kv.get("badjson/a", "json"), SyntaxError);
  },

  "get: cacheTtl of 30 or more is accepted": async (kv) => {
    await kv.put("cachettl/a", "v");
    assert.equal(await kv.get("cachettl/a", { cacheTtl: 60 }), "v");
  },

  "get: cacheTtl below 30 is refused": async (kv) => {
    await rejects(kv.get("cachettl/b", { cacheTtl: 10 }), "Error", "KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.");
  },

  "put: binary values keep their exact bytes": async (kv) => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await kv.put("binary/buffer", bytes.buffer);
    assert.deepEqual(new Uint8Array((await kv.get("binary/buffer", "arrayBuffer")) ?? new ArrayBuffer(0)), bytes);
    const view = new Uint8Array([9, 9, 7, 8, 9, 9]).subarray(2, 4);
    await kv.put("binary/view", view);
    assert.deepEqual(new Uint8Array((await kv.get("binary/view", "arrayBuffer"))!), new Uint8Array([7, 8]));
    await kv.put("binary/dataview", new DataView(new Uint8Array([5, 6]).buffer));
    assert.deepEqual(new Uint8Array((await kv.get("binary/dataview", "arrayBuffer"))!), new Uint8Array([5, 6]));
  },

  "put: a ReadableStream is stored whole": async (kv) => {
    const chunks = ["one,", "two,", "three"];
    const stream = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    await kv.put("stream/a", stream);
    assert.equal(await kv.get("stream/a"), "one,two,three");
  },

  "put: an empty string is a value, not a deletion": async (kv) => {
    await kv.put("empty/a", "");
    assert.equal(await kv.get("empty/a"), "");
  },

  "put: non-object values are stored as strings": async (kv) => {
    await kv.put("coerce/number", 123 as unknown as string);
    assert.equal(await kv.get("coerce/number"), "123");
  },

  "put: null is stored as the string null": async (kv) => {
    await kv.put("coerce/null", null as unknown as string);
    assert.equal(await kv.get("coerce/null"), "null");
  },

  "get: an unknown type is refused once the key exists": async (kv) => {
    const message = 'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".';
    assert.equal(await kv.get("unknowntype/missing", "blob" as "text"), null);
    await kv.put("unknowntype/a", "v");
    await rejects(kv.get("unknowntype/a", "blob" as "text"), "TypeError", message);
  },

  "get: many keys refuse an empty key name": async (kv) => {
    await rejects(kv.get(["bulkempty/a", ""]), "Error", "KV GET_BULK failed: 400 Key names must not be empty");
  },

  "list: a limit of 0 or less means the default": async (kv) => {
    await kv.put("limitzero/a", "v");
    assert.deepEqual((await kv.list({ prefix: "limitzero/", limit: 0 })).keys, [{ name: "limitzero/a" }]);
    assert.deepEqual((await kv.list({ prefix: "limitzero/", limit: -1 })).keys, [{ name: "limitzero/a" }]);
  },

  "put: an object value is refused": async (kv) => {
    await rejects(
      kv.put("coerce/object", { a: 1 } as unknown as string),
      "TypeError",
      "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.",
    );
    assert.equal(await kv.get("coerce/object"), null);
  },

  "put: overwriting replaces value and metadata": async (kv) => {
    await kv.put("overwrite/a", "1", { metadata: { v: 1 } });
    await kv.put("overwrite/a", "2");
    assert.deepEqual(await kv.getWithMetadata("overwrite/a"), { value: "2", metadata: null, cacheStatus: null });
  },

  "getWithMetadata: value and metadata together": async (kv) => {
    await kv.put("meta/a", "v", { metadata: { owner: "ana", tags: ["x"], n: 1.5 } });
    assert.deepEqual(await kv.getWithMetadata("meta/a"), { value: "v", metadata: { owner: "ana", tags: ["x"], n: 1.5 }, cacheStatus: null });
    assert.deepEqual(await kv.getWithMetadata("meta/a", "json").catch((e: Error) => e.name), "SyntaxError");
    assert.deepEqual(await kv.getWithMetadata("meta/missing"), { value: null, metadata: null, cacheStatus: null });
  },

  "get: many keys return a Map in request order": async (kv) => {
    await kv.put("bulk/a", "1");
    await kv.put("bulk/c", "3");
    const result = await kv.get(["bulk/c", "bulk/b", "bulk/a"]);
    assert.ok(result instanceof Map);
    assert.deepEqual(
      [...result],
      [
        ["bulk/c", "3"],
        ["bulk/b", null],
        ["bulk/a", "1"],
      ],
    );
  },

  "get: many keys as json": async (kv) => {
    await kv.put("bulkjson/a", '{"x":1}');
    assert.deepEqual(
      [...(await kv.get(["bulkjson/a", "bulkjson/b"], "json"))],
      [
        ["bulkjson/a", { x: 1 }],
        ["bulkjson/b", null],
      ],
    );
  },

  "getWithMetadata: many keys": async (kv) => {
    await kv.put("bulkmeta/a", "1", { metadata: { m: 1 } });
    await kv.put("bulkmeta/b", "2");
    assert.deepEqual(
      [...(await kv.getWithMetadata(["bulkmeta/a", "bulkmeta/b", "bulkmeta/z"]))],
      [
        ["bulkmeta/a", { value: "1", metadata: { m: 1 } }],
        ["bulkmeta/b", { value: "2", metadata: null }],
        ["bulkmeta/z", null],
      ],
    );
  },

  "get: many keys are limited to 1..100": async (kv) => {
    await rejects(kv.get([]), "Error", "KV GET_BULK failed: 400 You must request a minimum of 1 key");
    const keys = Array.from({ length: 101 }, (_, i) => `bulklimit/${i}`);
    await rejects(kv.get(keys), "Error", "KV GET_BULK failed: 400 You can request a maximum of 100 keys");
    assert.equal((await kv.get(keys.slice(0, 100))).size, 100);
  },

  "get: many keys only as text or json": async (kv) => {
    await rejects(kv.get(["bulktype/a"], "arrayBuffer" as "text"), "Error", 'KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"');
    await rejects(kv.get(["bulktype/a"], "stream" as "text"), "Error", 'KV GET_BULK failed: 400 "stream" is not a valid type. Use "json" or "text"');
  },

  "delete: removes the key; deleting a missing key succeeds": async (kv) => {
    await kv.put("delete/a", "v");
    await kv.delete("delete/a");
    assert.equal(await kv.get("delete/a"), null);
    await kv.delete("delete/never-existed");
  },

  "keys: empty, '.' and '..' are refused before sending": async (kv) => {
    await rejects(kv.get(""), "TypeError", "Key name cannot be empty.");
    await rejects(kv.put("", "v"), "TypeError", "Key name cannot be empty.");
    await rejects(kv.delete(""), "TypeError", "Key name cannot be empty.");
    await rejects(kv.put(".", "v"), "TypeError", '"." is not allowed as a key name.');
    await rejects(kv.get(".."), "TypeError", '".." is not allowed as a key name.');
  },

  "keys: at most 512 UTF-8 bytes": async (kv) => {
    const fits = "keylen/" + "é".repeat(252) + "x"; // 7 + 504 + 1 = 512 bytes
    await kv.put(fits, "v");
    assert.equal(await kv.get(fits), "v");
    const tooLong = fits + "y";
    await rejects(kv.put(tooLong, "v"), "Error", "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.");
    await rejects(kv.get(tooLong), "Error", "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.");
    await rejects(kv.delete(tooLong), "Error", "KV DELETE failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.");
  },

  "keys: any characters, including NUL and emoji, round trip": async (kv) => {
    for (const key of ["chars/a\u0000b", "chars/😀", "chars/%_\\", "chars/ space ", "chars/../x"]) {
      await kv.put(key, key);
      assert.equal(await kv.get(key), key);
    }
  },

  "put: values up to 25 MiB; larger is refused and the old value stays": async (kv) => {
    await kv.put("bigvalue/a", "old");
    await rejects(kv.put("bigvalue/a", "x".repeat(25 * MiB + 1)), "Error", "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.");
    assert.equal(await kv.get("bigvalue/a"), "old");
    const exactly = "y".repeat(25 * MiB);
    await kv.put("bigvalue/b", exactly);
    assert.equal((await kv.get("bigvalue/b"))?.length, 25 * MiB);
  },

  "put: metadata up to 1024 bytes": async (kv) => {
    await rejects(
      kv.put("bigmeta/a", "v", { metadata: { pad: "x".repeat(1100) } }),
      "Error",
      "KV PUT failed: 413 Metadata length of 1110 exceeds limit of 1024.",
    );
    assert.equal(await kv.get("bigmeta/a"), null);
    await kv.put("bigmeta/b", "v", { metadata: { pad: "x".repeat(1014) } }); // exactly 1024 bytes
    assert.equal((await kv.getWithMetadata<{ pad: string }>("bigmeta/b")).metadata?.pad.length, 1014);
  },

  "put: expirationTtl must be at least 60": async (kv) => {
    await rejects(kv.put("ttl/a", "v", { expirationTtl: 30 }), "Error", "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.");
    await rejects(
      kv.put("ttl/a", "v", { expirationTtl: 0 }),
      "Error",
      "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0.",
    );
    await rejects(
      kv.put("ttl/a", "v", { expirationTtl: -5 }),
      "Error",
      "KV PUT failed: 400 Invalid expiration_ttl of -5. Please specify integer greater than 0.",
    );
    assert.equal(await kv.get("ttl/a"), null);
  },

  "put: expiration must be at least 60 seconds ahead": async (kv) => {
    await rejects(
      kv.put("exp/a", "v", { expiration: 5 }),
      "Error",
      "KV PUT failed: 400 Invalid expiration of 5. Please specify integer greater than the current number of seconds since the UNIX epoch.",
    );
    const soon = Math.floor(Date.now() / 1000) + 10;
    await rejects(
      kv.put("exp/a", "v", { expiration: soon }),
      "Error",
      `KV PUT failed: 400 Invalid expiration of ${soon}. Expiration times must be at least 60 seconds in the future.`,
    );
    assert.equal(await kv.get("exp/a"), null);
  },

  "list: expiration and metadata are reported per key": async (kv) => {
    const at = inAnHour();
    await kv.put("listexp/a", "v", { expiration: at, metadata: { m: true } });
    await kv.put("listexp/b", "v");
    const before = Math.floor(Date.now() / 1000);
    await kv.put("listexp/c", "v", { expirationTtl: 600 });
    const { keys } = await kv.list({ prefix: "listexp/" });
    assert.deepEqual(keys.slice(0, 2), [{ name: "listexp/a", expiration: at, metadata: { m: true } }, { name: "listexp/b" }]);
    assert.equal(keys[2]?.name, "listexp/c");
    assert.ok(keys[2]?.expiration !== undefined && keys[2].expiration >= before + 600 && keys[2].expiration <= before + 602);
  },

  "list: keys in UTF-8 byte order": async (kv) => {
    const names = ["order/b", "order/B", "order/a", "order/é", "order/😀", "order/ab", "order/a\u0000", "order/~"];
    for (const name of names) await kv.put(name, "v");
    const { keys, list_complete, cacheStatus } = await kv.list({ prefix: "order/" });
    assert.deepEqual(
      keys.map((key) => key.name),
      ["order/B", "order/a", "order/a\u0000", "order/ab", "order/b", "order/~", "order/é", "order/😀"],
    );
    assert.equal(list_complete, true);
    assert.equal(cacheStatus, null);
  },

  "list: prefix characters are literal": async (kv) => {
    for (const name of ["lit/100%", "lit/100x", "lit/a_b", "lit/axb", "lit/back\\slash", "lit/backxslash"]) await kv.put(name, "v");
    assert.deepEqual(
      (await kv.list({ prefix: "lit/100%" })).keys.map((k) => k.name),
      ["lit/100%"],
    );
    assert.deepEqual(
      (await kv.list({ prefix: "lit/a_" })).keys.map((k) => k.name),
      ["lit/a_b"],
    );
    assert.deepEqual(
      (await kv.list({ prefix: "lit/back\\" })).keys.map((k) => k.name),
      ["lit/back\\slash"],
    );
  },

  "list: limit and cursor page through every key once": async (kv) => {
    const names = Array.from({ length: 25 }, (_, i) => `page/${String(i).padStart(2, "0")}`);
    for (const name of names) await kv.put(name, "v");
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page: KVNamespaceListResult<unknown, string> = await kv.list({ prefix: "page/", limit: 10, ...(cursor ? { cursor } : {}) });
      pages++;
      seen.push(...page.keys.map((key) => key.name));
      if (page.list_complete) {
        assert.equal("cursor" in page ? page.cursor : undefined, undefined);
        break;
      }
      assert.equal(page.keys.length, 10);
      cursor = page.cursor;
      assert.equal(typeof cursor, "string");
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, names);
  },

  "list: a deleted key disappears from the listing": async (kv) => {
    await kv.put("listdel/a", "v");
    await kv.put("listdel/b", "v");
    await kv.delete("listdel/a");
    assert.deepEqual(
      (await kv.list({ prefix: "listdel/" })).keys.map((k) => k.name),
      ["listdel/b"],
    );
  },

  "list: an unknown prefix lists nothing": async (kv) => {
    assert.deepEqual(await kv.list({ prefix: "nothing-here/" }), { keys: [], list_complete: true, cacheStatus: null });
  },

  "list: limit above 1000 is refused": async (kv) => {
    await rejects(kv.list({ limit: 1001 }), "Error", "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.");
  },

  "list: prefix longer than 512 bytes is refused": async (kv) => {
    await rejects(kv.list({ prefix: "p".repeat(600) }), "Error", "KV GET failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.");
  },
};
