// The S3 server the suite runs Outpost's s3 driver against (scripts/s3: Ceph's RADOS gateway),
// checked with the driver's own client, aws4fetch: objects round-trip, multipart works, and
// signatures are really checked — a wrong secret, a tampered presigned URL and an expired one
// are all refused, as AWS refuses them.
import { createHash, randomBytes } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startS3 } from "../../scripts/s3/server.js";

const MiB = 1024 * 1024;
const BUCKET = "outpost-s3-test";

/** @type {import("../../scripts/s3/server.js").S3Server} */
let s3;
/** @type {AwsClient} */
let client;

beforeAll(async () => {
  s3 = await startS3();
  client = clientWith({});
  const created = await client.fetch(url(""), { method: "PUT" });
  expect(created.status).toBe(200);
});
afterAll(() => s3?.stop());

/** @param {{ secretAccessKey?: string, region?: string }} overrides */
function clientWith(overrides) {
  // retries: 0 — a refused or failed request must show up as it is, not be retried away.
  return new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: "s3", region: s3.region, retries: 0, ...overrides });
}

/** Path-style URL of a key in the test bucket (or of the bucket itself for ""). */
function url(/** @type {string} */ key, query = "") {
  return `${s3.endpoint}/${BUCKET}${key === "" ? "" : `/${encodeURIComponent(key)}`}${query}`;
}

/** S3's error code from an XML error body. @param {Response} response */
async function errorCode(response) {
  return (await response.text()).match(/<Code>([^<]*)<\/Code>/)?.[1];
}

/** A presigned GET URL; `datetime` backdates the signature (YYYYMMDDTHHMMSSZ). */
async function presign(/** @type {string} */ key, /** @type {number} */ expiresSeconds, /** @type {Date} */ at = new Date()) {
  const datetime = at.toISOString().replace(/[:-]|\.\d{3}/g, "");
  const signed = await client.sign(url(key, `?X-Amz-Expires=${expiresSeconds}`), { aws: { signQuery: true, datetime } });
  return signed.url;
}

const md5 = (/** @type {Uint8Array} */ bytes) => createHash("md5").update(bytes).digest();
const sha256 = (/** @type {Uint8Array} */ bytes) => createHash("sha256").update(bytes).digest("hex");

it("objects: PUT, GET, HEAD, list and DELETE round-trip", async () => {
  const body = "hello from outpost";
  const put = await client.fetch(url("round/trip.txt"), { method: "PUT", body, headers: { "content-type": "text/plain" } });
  expect(put.status).toBe(200);
  expect(put.headers.get("etag")).toBe(`"${md5(Buffer.from(body)).toString("hex")}"`);

  const got = await client.fetch(url("round/trip.txt"));
  expect(got.status).toBe(200);
  expect(await got.text()).toBe(body);

  const head = await client.fetch(url("round/trip.txt"), { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-length")).toBe(String(body.length));
  expect(head.headers.get("content-type")).toBe("text/plain");

  const list = await client.fetch(url("", "?list-type=2&prefix=round%2F"));
  expect(list.status).toBe(200);
  expect([...(await list.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1])).toEqual(["round/trip.txt"]);

  expect((await client.fetch(url("round/trip.txt"), { method: "DELETE" })).status).toBe(204);
  const gone = await client.fetch(url("round/trip.txt"));
  expect(gone.status).toBe(404);
  expect(await errorCode(gone)).toBe("NoSuchKey");
});

it("signature: a request signed with a wrong secret is refused with SignatureDoesNotMatch", async () => {
  await client.fetch(url("secret/object"), { method: "PUT", body: "x" });
  const response = await clientWith({ secretAccessKey: `${s3.secretAccessKey}x` }).fetch(url("secret/object"));
  expect(response.status).toBe(403);
  expect(await errorCode(response)).toBe("SignatureDoesNotMatch");
});

it("signature: an unsigned request to a private bucket is refused", async () => {
  const response = await fetch(url("secret/object"));
  expect(response.status).toBe(403);
  expect(await errorCode(response)).toBe("AccessDenied");
});

it("signature: any region in the credential scope is accepted (Outpost's S3_REGION defaults to auto)", async () => {
  const response = await clientWith({ region: "auto" }).fetch(url("secret/object"));
  expect(response.status).toBe(200);
  expect(await response.text()).toBe("x");
});

it("presigned: a presigned GET URL works without credentials", async () => {
  await client.fetch(url("presigned/a"), { method: "PUT", body: "alpha" });
  const response = await fetch(await presign("presigned/a", 60));
  expect(response.status).toBe(200);
  expect(await response.text()).toBe("alpha");
});

it("presigned: the same URL with a tampered path or query is refused", async () => {
  await client.fetch(url("presigned/b"), { method: "PUT", body: "bravo" });
  await client.fetch(url("presigned/c"), { method: "PUT", body: "charlie" });
  const signed = await presign("presigned/b", 60);
  const otherKey = signed.replace("presigned%2Fb?", "presigned%2Fc?");
  const longerExpiry = signed.replace("X-Amz-Expires=60", "X-Amz-Expires=3600");
  expect(otherKey).not.toBe(signed);
  expect(longerExpiry).not.toBe(signed);
  for (const tampered of [otherKey, longerExpiry, `${signed}&extra=1`]) {
    const response = await fetch(tampered);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("SignatureDoesNotMatch");
  }
});

it("presigned: an expired URL is refused, a valid one signed at the same time is not", async () => {
  await client.fetch(url("presigned/d"), { method: "PUT", body: "delta" });
  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
  expect((await fetch(await presign("presigned/d", 3600, tenMinutesAgo))).status).toBe(200);
  const expired = await fetch(await presign("presigned/d", 60, tenMinutesAgo));
  expect(expired.status).toBe(403);
  expect(await errorCode(expired)).toBe("AccessDenied");
});

it("presigned: a URL stops working once its X-Amz-Expires has passed", async () => {
  await client.fetch(url("presigned/e"), { method: "PUT", body: "echo" });
  // 2 s, not 1: the signing time is truncated to the second, so 1 s may already be over.
  const signed = await presign("presigned/e", 2);
  expect((await fetch(signed)).status).toBe(200);
  const deadline = Date.now() + 10_000;
  /** @type {Response} */
  let response;
  do {
    await new Promise((resolve) => setTimeout(resolve, 200));
    response = await fetch(signed);
  } while (response.status === 200 && Date.now() < deadline);
  expect(response.status).toBe(403);
  expect(await errorCode(response)).toBe("AccessDenied");
});

it("multipart: two 5 MiB+ parts uploaded and completed read back as one object", async () => {
  const key = "multipart/object.bin";
  const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 123)];
  const created = await client.fetch(url(key, "?uploads"), { method: "POST" });
  expect(created.status).toBe(200);
  const uploadId = (await created.text()).match(/<UploadId>([^<]+)<\/UploadId>/)?.[1] ?? "";
  expect(uploadId).not.toBe("");
  const upload = `uploadId=${encodeURIComponent(uploadId)}`;

  /** @type {string[]} */
  const etags = [];
  for (const [index, part] of parts.entries()) {
    const response = await client.fetch(url(key, `?partNumber=${index + 1}&${upload}`), { method: "PUT", body: part });
    expect(response.status).toBe(200);
    etags.push(response.headers.get("etag") ?? "");
  }
  expect(etags).toEqual(parts.map((part) => `"${md5(part).toString("hex")}"`));

  const xml = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  const completed = await client.fetch(url(key, `?${upload}`), { method: "POST", body: xml });
  expect(completed.status).toBe(200);
  expect(await completed.text()).not.toContain("<Error>");

  const whole = Buffer.concat(parts);
  const got = await client.fetch(url(key));
  expect(got.status).toBe(200);
  expect(got.headers.get("etag")).toBe(`"${md5(Buffer.concat(parts.map(md5))).toString("hex")}-2"`);
  expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(whole));
});

it("objects: a 64 MiB object round-trips byte for byte", async () => {
  const body = randomBytes(64 * MiB);
  const put = await client.fetch(url("large/64mib.bin"), { method: "PUT", body });
  expect(put.status).toBe(200);
  const got = await client.fetch(url("large/64mib.bin"));
  expect(got.status).toBe(200);
  expect(got.headers.get("content-length")).toBe(String(body.length));
  expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(body));

  const range = await client.fetch(url("large/64mib.bin"), { headers: { range: `bytes=${40 * MiB}-${40 * MiB + 9}` } });
  expect(range.status).toBe(206);
  expect(Buffer.from(await range.arrayBuffer())).toEqual(body.subarray(40 * MiB, 40 * MiB + 10));
});
