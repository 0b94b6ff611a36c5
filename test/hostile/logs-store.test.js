// Attacks on the log store: reading or tailing another tenant's logs, flooding the store past the
// tenant's log quota, log text made to break storage or a terminal, and a client claiming another
// address (CF-Connecting-IP, the stored client address that `outpost tail --ip` filters on).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

const PROCESSES = 2;
const LOG_QUOTA = 20_000;

const MIRROR = `export default { fetch(request) { return new Response(request.headers.get("cf-connecting-ip")); } };`;
const DIARY = `export default { fetch(request) { console.log("alice's secret", new URL(request.url).pathname); return new Response("ok"); } };`;
const FLOOD = `export default {
  fetch() {
    for (let i = 0; i < 40; i++) console.log("flood ".padEnd(4000, "x"));
    return new Response("flooded");
  },
};`;
// NUL and a lone surrogate half (both refused by Postgres jsonb), terminal escapes, a 200 KB line (workerd itself stops recording an invocation past 256 KB).
const WEIRD = `export default {
  fetch() {
    console.log("nul\\u0000 half\\ud800 esc\\u001b[2J\\u001b]0;title\\u0007 end");
    console.log("big ".padEnd(200 * 1024, "y"));
    throw new Error("bad\\u0000error\\udfff");
  },
};`;

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ alice: string, mallory: string }} */
const tokens = { alice: "", mallory: "" };

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: String(PROCESSES) } });
  for (const tenant of /** @type {const} */ (["alice", "mallory"])) {
    tokens[tenant] = (await platform.admin("POST", "/v1/tokens", { name: `${tenant}-ci`, tenant })).body.token;
  }
  // Before any of mallory's code runs: each process reads the quota once a minute.
  expect((await platform.admin("PATCH", "/v1/tenants/mallory/quotas", { log_bytes_per_minute: LOG_QUOTA })).status).toBe(200);
  const observability = { enabled: true };
  await platform.deploy("diary", await workerFile(DIARY), { tenant: "alice", observability });
  await platform.deploy("flood", await workerFile(FLOOD), { tenant: "mallory", observability });
  await platform.deploy("weird", await workerFile(WEIRD), { tenant: "mallory", observability });
  await platform.deploy("mirror", await workerFile(MIRROR), { tenant: "mallory", observability });
  expect((await platform.fetchWorker("diary", "/entry")).status).toBe(200);
  await waitUntil(async () => (await platform.admin("GET", "/v1/workers/diary/logs")).body.events?.length === 1, 10_000);
});

afterAll(async () => {
  await platform?.stop();
});

describe("another tenant's logs", () => {
  const missing = { status: 404, body: { error: { code: "ERR_NOT_FOUND", message: "No worker named diary." } } };

  it("GET /logs of another tenant's worker is a 404, exactly as a missing worker, whatever the filters", async () => {
    expect(await platform.admin("GET", "/v1/workers/diary/logs", undefined, tokens.mallory)).toEqual(missing);
    expect(await platform.admin("GET", "/v1/workers/diary/logs?search=secret&cursor=99999999999_1&limit=500", undefined, tokens.mallory)).toEqual(missing);
    // Its owner and the operator read it.
    const own = await platform.admin("GET", "/v1/workers/diary/logs", undefined, tokens.alice);
    expect(own.body.events.map((/** @type {any} */ e) => e.logs[0].message)).toEqual(["alice's secret /entry"]);
  });

  it("GET /tail of another tenant's worker is a 404, also when resuming from an id", async () => {
    for (const query of ["", "?after=0"]) {
      const response = await fetch(`${platform.adminUrl}/v1/workers/diary/tail${query}`, { headers: { authorization: `Bearer ${tokens.mallory}` } });
      expect({ status: response.status, body: await response.json() }).toEqual(missing);
    }
  });

  it("a tenant's own logs, from any cursor, never show another tenant's invocations", async () => {
    expect((await platform.fetchWorker("weird", "/w")).status).toBe(500);
    await waitUntil(async () => (await platform.admin("GET", "/v1/workers/weird/logs", undefined, tokens.mallory)).body.events.length === 1, 10_000);
    const response = await fetch(`${platform.adminUrl}/v1/workers/weird/tail?after=0`, { headers: { authorization: `Bearer ${tokens.mallory}` } });
    const reader = /** @type {ReadableStreamDefaultReader<Uint8Array>} */ (response.body?.getReader());
    const { value } = await reader.read();
    await reader.cancel();
    const tailed = new TextDecoder()
      .decode(value)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(tailed.map((event) => event.worker)).toEqual(["weird"]);
    expect(JSON.stringify(tailed)).not.toContain("alice");
  });
});

it("credentials a client sent are not stored with the request's headers", async () => {
  const headers = { authorization: "Bearer alice-secret", cookie: "session=alice-secret", "x-outpost-forward": "forged", "x-note": "kept" };
  expect((await platform.fetchWorker("diary", "/with-headers", { headers })).status).toBe(200);
  const found = async () => (await platform.admin("GET", "/v1/workers/diary/logs?search=with-headers")).body.events;
  await waitUntil(async () => (await found()).length === 1, 10_000);
  const [event] = await found();
  expect(event.headers["x-note"]).toBe("kept");
  expect(JSON.stringify(event)).not.toContain("alice-secret");
  expect(JSON.stringify(event)).not.toContain("forged");
});

it("log text with NUL, lone surrogates, terminal escapes and a 200 KB line is stored, cut and made storable", async () => {
  await waitUntil(async () => (await platform.admin("GET", "/v1/workers/weird/logs")).body.events?.length >= 1, 10_000);
  const [event] = (await platform.admin("GET", "/v1/workers/weird/logs")).body.events;
  expect(event.outcome).toBe("exception");
  const [odd, big] = event.logs;
  expect(odd.message).toBe("nul\uFFFD half\uFFFD esc\u001b[2J\u001b]0;title\u0007 end");
  expect(big.message.length).toBeLessThan(4200);
  expect(big.message).toMatch(/^big y+…\[\d+ more characters cut\]$/);
  // workerd hands over the exception's lone half as replacement characters already.
  expect(event.exceptions[0].message).toMatch(/^bad\uFFFDerror\uFFFD+$/);
  // Search text is refused where Postgres would: with a 400, not a 500.
  const refused = await platform.admin("GET", "/v1/workers/weird/logs?search=%00");
  expect(refused.status).toBe(400);
  expect(refused.body.error.message).toContain("query.search");
});

it("a tenant flooding its logs is cut at its log quota; another tenant's requests are served and logged in full meanwhile", async () => {
  const floods = Array.from({ length: 20 }, () => platform.fetchWorker("flood"));
  const diaries = [];
  for (let i = 0; i < 5; i++) diaries.push(await platform.fetchWorker("diary", `/during${i}`));
  expect((await Promise.all(floods)).map((r) => r.status)).toEqual(Array(20).fill(200));
  expect(diaries.map((r) => r.status)).toEqual(Array(5).fill(200));

  const all = async (/** @type {string} */ worker, query = "") => (await platform.admin("GET", `/v1/workers/${worker}/logs?limit=500${query}`)).body.events;
  await waitUntil(async () => (await all("flood")).length === 20 && (await all("diary", "&search=during")).length === 5, 15_000);
  const flood = await all("flood");
  // Every invocation is stored with its outcome; lines only while under the quota, in each process.
  expect(flood.every((/** @type {any} */ e) => e.outcome === "ok" && e.status === 200)).toBe(true);
  const storedBytes = flood.reduce((/** @type {number} */ sum, /** @type {any} */ e) => sum + JSON.stringify(e.logs).length, 0);
  expect(storedBytes).toBeLessThanOrEqual(PROCESSES * LOG_QUOTA);
  expect(flood.some((/** @type {any} */ e) => e.logs.length === 0 && e.dropped === 40)).toBe(true);
  // 40 lines, 32 kept per invocation at most.
  expect(flood.every((/** @type {any} */ e) => e.logs.length + e.dropped === 40)).toBe(true);
  // Alice's quota is her own.
  expect((await all("diary")).every((/** @type {any} */ e) => e.logs.length === 1 && e.dropped === 0)).toBe(true);
});

describe("a client's claimed address", () => {
  const claims = { "x-forwarded-for": "203.0.113.66", "cf-connecting-ip": "203.0.113.66", "x-real-ip": "203.0.113.66" };

  /** @param {import("../helpers/platform.js").Platform} on @param {string} path */
  async function storedAddress(on, path) {
    const found = async () => (await on.admin("GET", `/v1/workers/mirror/logs?search=${path}`)).body.events;
    await waitUntil(async () => (await found()).length === 1, 10_000);
    return (await found())[0].clientIp;
  }

  it("without OUTPOST_CLIENT_IP_HEADER no header is believed: the worker and the log see the connection's address", async () => {
    const answer = await platform.fetchWorker("mirror", "/spoof", { headers: claims });
    expect(answer.text).toBe("127.0.0.1");
    expect(await storedAddress(platform, "spoof")).toBe("127.0.0.1");
    expect((await platform.admin("GET", "/v1/workers/mirror/logs?ip=203.0.113.66")).body.events).toEqual([]);
  });

  describe("with OUTPOST_CLIENT_IP_HEADER=x-forwarded-for", () => {
    /** @type {import("../helpers/platform.js").Platform} */
    let proxied;
    beforeAll(async () => {
      proxied = await startPlatform({ env: { OUTPOST_CLIENT_IP_HEADER: "X-Forwarded-For" } });
      await proxied.deploy("mirror", await workerFile(MIRROR), { observability: { enabled: true } });
    });
    afterAll(async () => {
      await proxied?.stop();
    });

    it("only the last hop (the proxy's) counts; the client's own entries and other headers do not", async () => {
      // A client's X-Forwarded-For reaches the platform with the proxy's hop appended.
      const headers = { ...claims, "x-forwarded-for": "203.0.113.66, 198.51.100.7" };
      expect((await proxied.fetchWorker("mirror", "/hop", { headers })).text).toBe("198.51.100.7");
      expect(await storedAddress(proxied, "hop")).toBe("198.51.100.7");
      const filtered = await proxied.admin("GET", "/v1/workers/mirror/logs?ip=198.51.100.7");
      expect(filtered.body.events.map((/** @type {any} */ e) => e.path)).toEqual(["/hop"]);
      expect((await proxied.admin("GET", "/v1/workers/mirror/logs?ip=203.0.113.66")).body.events).toEqual([]);
    });

    it("a last hop that is not an address, or no header at all, is the connection's address", async () => {
      for (const [path, headers] of /** @type {const} */ ([
        ["/junk", { "x-forwarded-for": "203.0.113.66, <script>alert(1)</script>" }],
        ["/none", { "cf-connecting-ip": "203.0.113.66" }],
      ])) {
        expect((await proxied.fetchWorker("mirror", path, { headers })).text).toBe("127.0.0.1");
        expect(await storedAddress(proxied, path.slice(1))).toBe("127.0.0.1");
      }
    });

    it("?ip= refuses what is not an address", async () => {
      const answer = await proxied.admin("GET", "/v1/workers/mirror/logs?ip=1.2.3.4'--");
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain("Expected an IP address.");
    });
  });
});
