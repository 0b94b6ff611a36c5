// The read-only routes behind the dashboard's queue and R2 browsers, as an API user sees them:
// a queue's messages listed without leasing them (state, attempts, a body preview, pages), and a
// bucket's objects listed as R2's list() lists them (prefix, delimiter, limit, cursor).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
  await platform.deploy("app", await workerFile(`export default { fetch() { return new Response("ok"); } };`), {
    r2: { MEDIA: "media" },
    queues: {
      producers: { INBOX: { queue: "inbox" }, PAGED: { queue: "paged" } },
      // Pull consumers: messages wait in the queue until pulled.
      consumers: [
        { queue: "inbox", type: "http_pull" },
        { queue: "paged", type: "http_pull" },
      ],
    },
  });
});
afterAll(() => platform?.stop());

/** @param {string} queue @param {string} [query] */
async function browse(queue, query = "") {
  const { status, body } = await platform.admin("GET", `/v1/queues/${queue}/messages${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** @param {string} key @param {string} body @param {string} [contentType] */
async function putObject(key, body, contentType = "text/plain") {
  const response = await fetch(`${platform.adminUrl}/v1/r2/buckets/media/objects/${encodeURIComponent(key)}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${platform.token}`, "content-type": contentType },
    body,
  });
  expect(response.status).toBe(201);
}

/** @param {string} [query] */
async function list(query = "") {
  const { status, body } = await platform.admin("GET", `/v1/r2/buckets/media/objects${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

describe("queue message browser", () => {
  it("browse: messages in send order with state, attempts and body; reading them leases none", async () => {
    const sent = await platform.admin("POST", "/v1/queues/inbox/messages", {
      messages: [
        { body: "first", contentType: "text" },
        { body: { n: 2 } },
        { body: Buffer.from([1, 2, 255]).toString("base64"), contentType: "bytes" },
        { body: "later", contentType: "text", delaySeconds: 600 },
      ],
    });
    expect(sent.status).toBe(201);
    const [leased] = (await platform.admin("POST", "/v1/queues/inbox/messages/pull", { batch_size: 1, visibility_timeout_ms: 60_000 })).body.messages;
    const { messages, cursor } = await browse("inbox");
    expect(cursor).toBeNull();
    expect(messages.map((/** @type {any} */ m) => [m.contentType, m.body, m.state, m.attempts, m.size, m.truncated])).toEqual([
      ["text", "first", "leased", 1, 5, false],
      ["json", '{"n":2}', "ready", 0, 7, false],
      ["bytes", "AQL/", "ready", 0, 3, false],
      ["text", "later", "delayed", 0, 5, false],
    ]);
    expect(messages[0].id).toBe(leased.id);
    expect(messages[0]).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), timestamp_ms: leased.timestamp_ms });
    expect(Date.parse(messages[0].visibleAt)).toBeGreaterThan(Date.now() + 30_000);
    expect(Date.parse(messages[3].visibleAt)).toBeGreaterThan(Date.now() + 500_000);
    // Browsed twice, still not leased: the next pull gets the second message, on its first attempt.
    expect((await browse("inbox")).messages.map((/** @type {any} */ m) => m.state)).toEqual(["leased", "ready", "ready", "delayed"]);
    const [next] = (await platform.admin("POST", "/v1/queues/inbox/messages/pull", { batch_size: 1 })).body.messages;
    expect([next.id, next.attempts]).toEqual([messages[1].id, 1]);
  });

  it("browse: pages of ?limit= with the previous page's cursor; a body past 1 KiB is cut and marked truncated", async () => {
    const long = "é".repeat(3000);
    const bodies = ["one", "two", long, "four", "five"];
    await platform.admin("POST", "/v1/queues/paged/messages", { messages: bodies.map((body) => ({ body, contentType: "text" })) });
    const first = await browse("paged", "?limit=2");
    expect(first.messages.map((/** @type {any} */ m) => m.body)).toEqual(["one", "two"]);
    expect(first.cursor).toMatch(/^\d+$/);
    const second = await browse("paged", `?limit=2&cursor=${first.cursor}`);
    expect(second.messages[0]).toMatchObject({ size: 6000, truncated: true, body: "é".repeat(512) });
    expect(second.messages[1].body).toBe("four");
    const third = await browse("paged", `?limit=2&cursor=${second.cursor}`);
    expect(third).toEqual({ messages: [expect.objectContaining({ body: "five" })], cursor: null });
    expect((await browse("paged")).messages).toHaveLength(5);
  });

  it("browse: a bad limit or cursor, or an unknown query parameter, is refused; an unknown queue is 404", async () => {
    for (const [query, message] of [
      ["?limit=0", "query.limit: Too small: expected number to be >=1"],
      ["?limit=101", "query.limit: Too big: expected number to be <=100"],
      ["?cursor=abc", "query.cursor: Expected the cursor of the previous page, unchanged."],
    ]) {
      expect(await platform.admin("GET", `/v1/queues/inbox/messages${query}`), query).toEqual({
        status: 400,
        body: { error: { code: "ERR_BAD_REQUEST", message } },
      });
    }
    expect((await platform.admin("GET", "/v1/queues/inbox/messages?peek=1")).status).toBe(400);
    expect(await platform.admin("GET", "/v1/queues/nowhere/messages")).toEqual({
      status: 404,
      body: {
        error: { code: "ERR_NOT_FOUND", message: "No queue named nowhere. Queues are created by deploying a worker that produces to or consumes from them." },
      },
    });
  });
});

describe("R2 listing", () => {
  beforeAll(async () => {
    for (const key of ["photos/2.jpg", "photos/1.jpg", "docs/a.txt", "readme"])
      await putObject(key, `bytes of ${key}`, key === "readme" ? "text/markdown" : "text/plain");
  });

  it("list: keys in order with size, etag, upload time and content type", async () => {
    const { objects, truncated, delimitedPrefixes } = await list();
    expect([truncated, delimitedPrefixes]).toEqual([false, []]);
    expect(objects.map((/** @type {any} */ o) => [o.key, o.size, o.httpMetadata.contentType])).toEqual([
      ["docs/a.txt", 19, "text/plain"],
      ["photos/1.jpg", 21, "text/plain"],
      ["photos/2.jpg", 21, "text/plain"],
      ["readme", 15, "text/markdown"],
    ]);
    expect(objects[0]).toMatchObject({ etag: expect.stringMatching(/^[0-9a-f]{32}$/), uploaded: expect.any(Number) });
  });

  it("list: ?prefix=, ?delimiter=, ?startAfter=, and ?limit= with the cursor, as list() takes them", async () => {
    const keys = (/** @type {any} */ page) => page.objects.map((/** @type {any} */ o) => o.key);
    expect(keys(await list("?prefix=photos/"))).toEqual(["photos/1.jpg", "photos/2.jpg"]);
    const grouped = await list("?delimiter=/");
    expect([keys(grouped), grouped.delimitedPrefixes]).toEqual([["readme"], ["docs/", "photos/"]]);
    expect(keys(await list("?startAfter=photos/1.jpg"))).toEqual(["photos/2.jpg", "readme"]);
    const first = await list("?limit=3");
    expect([keys(first), first.truncated]).toEqual([["docs/a.txt", "photos/1.jpg", "photos/2.jpg"], true]);
    const rest = await list(`?limit=3&cursor=${encodeURIComponent(first.cursor)}`);
    expect([keys(rest), rest.truncated]).toEqual([["readme"], false]);
  });

  it("list: a bad limit or cursor is refused in R2's words; an unknown bucket is 404", async () => {
    expect(await platform.admin("GET", "/v1/r2/buckets/media/objects?limit=0")).toEqual({
      status: 400,
      body: { error: { code: "ERR_BAD_REQUEST", message: "list: MaxKeys params must be positive integer <= 1000. (10022)" } },
    });
    expect(await platform.admin("GET", "/v1/r2/buckets/media/objects?cursor=forged")).toEqual({
      status: 400,
      body: { error: { code: "ERR_BAD_REQUEST", message: "list: Invalid cursor. Pass the cursor from the previous list() result unchanged." } },
    });
    // A cursor of another prefix's listing is refused too.
    const { cursor } = await list("?limit=1");
    expect((await platform.admin("GET", `/v1/r2/buckets/media/objects?prefix=docs/&cursor=${encodeURIComponent(cursor)}`)).status).toBe(400);
    expect((await platform.admin("GET", "/v1/r2/buckets/nowhere/objects")).status).toBe(404);
  });
});
