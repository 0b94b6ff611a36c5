// The R2 behaviour suite: written once against Cloudflare's R2Bucket API and run on Miniflare's
// R2 (the reference) and on Outpost's binding (test/integration/r2-suite.test.js). Each case
// uses its own key prefix.
import assert from "node:assert/strict";

type Case = (bucket: R2Bucket) => Promise<void>;

const MiB = 1024 * 1024;
/** What a user observes through JSON (workerd's objects also carry keys whose value is undefined). */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
const hex = (buffer: ArrayBuffer | undefined) => (buffer ? [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("") : undefined);

function listing(result: R2Objects) {
  return result.objects.map((o) => [o.customMetadata, o.httpMetadata]);
}

async function rejects(promise: Promise<unknown>, name: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.message, message);
    assert.equal(error.name, name);
    return true;
  });
}

export const r2Cases: Record<string, Case> = {
  "put/get: a string round trip with its metadata": async (bucket) => {
    const put = await bucket.put("rt/a.txt", "hello world", {
      httpMetadata: { contentType: "text/plain", cacheControl: "max-age=60" },
      customMetadata: { owner: "ana" },
    });
    assert.ok(put);
    assert.equal(put.key, "rt/a.txt");
    assert.equal(put.size, 11);
    assert.equal(put.etag, "5eb63bbbe01eeed093cb22bb8f5acdc3");
    assert.equal(put.httpEtag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    assert.equal(typeof put.version, "string");
    assert.ok(put.uploaded instanceof Date);
    assert.deepEqual(plain(put.checksums), { md5: "5eb63bbbe01eeed093cb22bb8f5acdc3" });
    const got = await bucket.get("rt/a.txt");
    assert.ok(got && "body" in got);
    assert.equal(await got.text(), "hello world");
    assert.deepEqual(plain(got.httpMetadata), { contentType: "text/plain", cacheControl: "max-age=60" });
    assert.deepEqual(got.customMetadata, { owner: "ana" });
    assert.equal(got.etag, put.etag);
    assert.equal(got.version, put.version);
  },

  "put: binary values, views, blobs, streams and null": async (bucket) => {
    await bucket.put("bin/buffer", new Uint8Array([0, 1, 255]).buffer);
    assert.deepEqual(new Uint8Array(await (await bucket.get("bin/buffer"))!.arrayBuffer()), new Uint8Array([0, 1, 255]));
    await bucket.put("bin/view", new Uint8Array([9, 7, 8, 9]).subarray(1, 3));
    assert.deepEqual(new Uint8Array(await (await bucket.get("bin/view"))!.arrayBuffer()), new Uint8Array([7, 8]));
    await bucket.put("bin/blob", new Blob(["from a blob"]));
    assert.equal(await (await bucket.get("bin/blob"))!.text(), "from a blob");
    const { readable, writable } = new FixedLengthStream(9);
    const writer = writable.getWriter();
    void writer.write(new TextEncoder().encode("streamed!")).then(() => writer.close());
    await bucket.put("bin/stream", readable);
    assert.equal(await (await bucket.get("bin/stream"))!.text(), "streamed!");
    assert.equal((await bucket.put("bin/null", null))?.size, 0);
  },

  "get: a missing key is null; head gives metadata without a body": async (bucket) => {
    assert.equal(await bucket.get("missing/x"), null);
    assert.equal(await bucket.head("missing/x"), null);
    await bucket.put("head/a", "abc", { customMetadata: { k: "v" } });
    const head = await bucket.head("head/a");
    assert.ok(head);
    assert.equal("body" in head, false);
    assert.equal(head.size, 3);
    assert.deepEqual(head.customMetadata, { k: "v" });
  },

  "get: ranges by offset and length, offset only, and suffix": async (bucket) => {
    await bucket.put("range/a", "hello world");
    const part = await bucket.get("range/a", { range: { offset: 2, length: 3 } });
    assert.equal(await part!.text(), "llo");
    assert.deepEqual(plain(part!.range), { offset: 2, length: 3 });
    assert.equal(part!.size, 11);
    assert.equal(await (await bucket.get("range/a", { range: { offset: 6 } }))!.text(), "world");
    const suffix = await bucket.get("range/a", { range: { suffix: 5 } });
    assert.equal(await suffix!.text(), "world");
    assert.deepEqual(plain(suffix!.range), { offset: 6, length: 5 });
    const headers = await bucket.get("range/a", { range: new Headers({ range: "bytes=0-4" }) });
    assert.equal(await headers!.text(), "hello");
  },

  "get: a range beyond the end is not satisfiable": async (bucket) => {
    await bucket.put("range/b", "short");
    await rejects(bucket.get("range/b", { range: { offset: 100 } }), "Error", "get: The requested range is not satisfiable (10039)");
  },

  "get: a failed precondition gives the object without a body": async (bucket) => {
    const put = await bucket.put("cond/a", "v1");
    const miss = await bucket.get("cond/a", { onlyIf: { etagMatches: "nope" } });
    assert.ok(miss);
    assert.equal("body" in miss, false);
    assert.equal(miss.etag, put!.etag);
    const hit = await bucket.get("cond/a", { onlyIf: { etagMatches: put!.etag } });
    assert.equal(await (hit as R2ObjectBody).text(), "v1");
    const notModified = await bucket.get("cond/a", { onlyIf: new Headers({ "if-none-match": `"${put!.etag}"` }) });
    assert.equal("body" in notModified!, false);
    const after = await bucket.get("cond/a", { onlyIf: { uploadedBefore: new Date(Date.now() + 60_000) } });
    assert.equal(await (after as R2ObjectBody).text(), "v1");
  },

  "put: a failed precondition stores nothing and returns null": async (bucket) => {
    const put = await bucket.put("cond/b", "first");
    assert.equal(await bucket.put("cond/b", "second", { onlyIf: { etagDoesNotMatch: put!.etag } }), null);
    assert.equal(await (await bucket.get("cond/b"))!.text(), "first");
    assert.ok(await bucket.put("cond/b", "third", { onlyIf: { etagMatches: put!.etag } }));
    assert.equal(await (await bucket.get("cond/b"))!.text(), "third");
  },

  "put: checksums are verified and returned": async (bucket) => {
    const ok = await bucket.put("sum/a", "hello", { sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" });
    assert.deepEqual(plain(ok!.checksums), {
      md5: "5d41402abc4b2a76b9719d911017c592",
      sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    });
    assert.equal(hex(ok!.checksums.sha256), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    await rejects(
      bucket.put("sum/b", "x", { md5: "00000000000000000000000000000000" }),
      "Error",
      "put: The MD5 checksum you specified did not match what we received.\nYou provided a MD5 checksum with value: 00000000000000000000000000000000\nActual MD5 was: 9dd4e461268c8034f5c8564e155c67a6 (10037)",
    );
    assert.equal(await bucket.head("sum/b"), null);
    await rejects(bucket.put("sum/c", "x", { md5: "abc" }), "TypeError", "MD5 is 32 hex characters, not 3");
    await rejects(
      bucket.put("sum/d", "x", { md5: "5d41402abc4b2a76b9719d911017c592", sha1: "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d" }),
      "TypeError",
      "You cannot specify multiple hashing algorithms.",
    );
  },

  "put: keys longer than 1024 bytes are refused": async (bucket) => {
    await rejects(bucket.put("k".repeat(1025), "x"), "Error", "put: The specified object name is not valid. (10020)");
  },

  "put: custom metadata above 2 KiB is refused": async (bucket) => {
    await rejects(
      bucket.put("meta/big", "x", { customMetadata: { pad: "y".repeat(2100) } }),
      "Error",
      "put: Your metadata headers exceed the maximum allowed metadata size. (10012)",
    );
    assert.equal(await bucket.head("meta/big"), null);
  },

  "writeHttpMetadata: copies the object's HTTP metadata onto headers": async (bucket) => {
    await bucket.put("http/a", "x", {
      httpMetadata: { contentType: "text/html", contentLanguage: "en", cacheControl: "no-store", contentDisposition: "inline", contentEncoding: "identity" },
    });
    const headers = new Headers();
    (await bucket.head("http/a"))!.writeHttpMetadata(headers);
    assert.deepEqual(Object.fromEntries(headers), {
      "cache-control": "no-store",
      "content-disposition": "inline",
      "content-encoding": "identity",
      "content-language": "en",
      "content-type": "text/html",
    });
  },

  "delete: one key or many; missing keys are fine": async (bucket) => {
    for (const key of ["del/a", "del/b", "del/c"]) await bucket.put(key, "x");
    await bucket.delete("del/a");
    await bucket.delete(["del/b", "del/never"]);
    assert.equal(await bucket.head("del/a"), null);
    assert.equal(await bucket.head("del/b"), null);
    assert.ok(await bucket.head("del/c"));
  },

  "list: keys in order, with prefix, limit, cursor and startAfter": async (bucket) => {
    const keys = Array.from({ length: 7 }, (_, i) => `list/${i}`);
    for (const key of keys) await bucket.put(key, "x");
    const first = await bucket.list({ prefix: "list/", limit: 3 });
    assert.deepEqual(
      first.objects.map((o) => o.key),
      keys.slice(0, 3),
    );
    assert.equal(first.truncated, true);
    const rest = await bucket.list({ prefix: "list/", cursor: (first as { cursor: string }).cursor });
    assert.deepEqual(
      rest.objects.map((o) => o.key),
      keys.slice(3),
    );
    assert.equal(rest.truncated, false);
    assert.equal("cursor" in rest ? rest.cursor : undefined, undefined);
    assert.deepEqual(
      (await bucket.list({ prefix: "list/", startAfter: "list/4" })).objects.map((o) => o.key),
      keys.slice(5),
    );
  },

  "list: a delimiter groups keys into delimitedPrefixes": async (bucket) => {
    for (const key of ["tree/a.txt", "tree/dir/b.txt", "tree/dir/c.txt", "tree/other/d", "tree/z"]) await bucket.put(key, "x");
    const listing = await bucket.list({ prefix: "tree/", delimiter: "/" });
    assert.deepEqual(
      listing.objects.map((o) => o.key),
      ["tree/a.txt", "tree/z"],
    );
    assert.deepEqual(listing.delimitedPrefixes, ["tree/dir/", "tree/other/"]);
  },

  "list: an empty delimiter is no delimiter": async (bucket) => {
    for (const key of ["flat/a", "flat/dir/b"]) await bucket.put(key, "x");
    const listing = await bucket.list({ prefix: "flat/", delimiter: "" });
    assert.deepEqual(
      listing.objects.map((o) => o.key),
      ["flat/a", "flat/dir/b"],
    );
    assert.deepEqual(listing.delimitedPrefixes, []);
  },

  "list: metadata only when included": async (bucket) => {
    await bucket.put("incl/a", "x", { httpMetadata: { contentType: "text/plain" }, customMetadata: { k: "v" } });
    assert.deepEqual(plain(listing(await bucket.list({ prefix: "incl/" }))), [[{}, {}]]);
    const full = await bucket.list({ prefix: "incl/", include: ["httpMetadata", "customMetadata"] } as R2ListOptions);
    assert.deepEqual(plain(listing(full)), [[{ k: "v" }, { contentType: "text/plain" }]]);
  },

  "list: limit must be 1..1000": async (bucket) => {
    await rejects(bucket.list({ limit: 1001 }), "Error", "list: MaxKeys params must be positive integer <= 1000. (10022)");
    await rejects(bucket.list({ limit: 0 }), "Error", "list: MaxKeys params must be positive integer <= 1000. (10022)");
  },

  "multipart: parts are joined in the order given; etag has the part count": async (bucket) => {
    const upload = await bucket.createMultipartUpload("mp/a", { httpMetadata: { contentType: "application/octet-stream" }, customMetadata: { by: "mp" } });
    const one = await upload.uploadPart(1, "a".repeat(5 * MiB));
    const two = await upload.uploadPart(2, "tail");
    const object = await upload.complete([one, two]);
    assert.equal(object.size, 5 * MiB + 4);
    assert.ok(/^[0-9a-f]{32}-2$/.test(object.etag), object.etag);
    const body = await bucket.get("mp/a", { range: { offset: 5 * MiB - 2, length: 6 } });
    assert.equal(await body!.text(), "aatail");
    assert.deepEqual(body!.customMetadata, { by: "mp" });
  },

  "multipart: an upload can be resumed by id": async (bucket) => {
    const upload = await bucket.createMultipartUpload("mp/b");
    const one = await upload.uploadPart(1, "b".repeat(5 * MiB));
    const resumed = bucket.resumeMultipartUpload("mp/b", upload.uploadId);
    const two = await resumed.uploadPart(2, "end");
    await resumed.complete([one, two]);
    assert.equal((await bucket.head("mp/b"))!.size, 5 * MiB + 3);
  },

  "multipart: parts below 5 MiB (but the last) are refused": async (bucket) => {
    const upload = await bucket.createMultipartUpload("mp/c");
    const one = await upload.uploadPart(1, "ab");
    const two = await upload.uploadPart(2, "cd");
    await rejects(
      upload.complete([one, two]),
      "Error",
      "completeMultipartUpload: Your proposed upload is smaller than the minimum allowed object size. (10011)",
    );
    assert.equal(await bucket.head("mp/c"), null);
  },

  "multipart: an unknown upload id is refused; an aborted upload is gone": async (bucket) => {
    await rejects(
      bucket.resumeMultipartUpload("mp/d", "nope").uploadPart(1, "x"),
      "Error",
      "uploadPart: The specified multipart upload does not exist. (10024)",
    );
    const upload = await bucket.createMultipartUpload("mp/e");
    await upload.uploadPart(1, "x");
    await upload.abort();
    await rejects(upload.uploadPart(2, "y"), "Error", "uploadPart: The specified multipart upload does not exist. (10024)");
    assert.equal(await bucket.head("mp/e"), null);
  },
};
