// OTLP/HTTP log export against a small collector listening on 127.0.0.1: every stored invocation
// arrives as OTLP/JSON; a collector that hangs or refuses has its batches dropped and counted,
// while requests are served and logs stored as before.
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { total, parseExposition } from "../helpers/prometheus.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

/** What the collector does with a request: answer 200, answer 503, or never answer. */
let mode = /** @type {"ok" | "refuse" | "hang"} */ ("ok");
/** The requests it received: content type and parsed body. */
const received = /** @type {{ contentType: string | undefined, path: string | undefined, body: any }[]} */ ([]);
/** @type {import("node:http").ServerResponse[]} */
const hanging = [];

const collector = createServer((request, response) => {
  const chunks = /** @type {Buffer[]} */ ([]);
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    received.push({ contentType: request.headers["content-type"], path: request.url, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
    if (mode === "hang") hanging.push(response);
    else response.writeHead(mode === "ok" ? 200 : 503, { "content-type": "application/json" }).end("{}");
  });
});

beforeAll(async () => {
  await new Promise((resolve) => collector.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (collector.address());
  platform = await startPlatform({ env: { OUTPOST_OTLP_LOGS_URL: `http://127.0.0.1:${address.port}/v1/logs` } });
  const entry = await workerFile(`export default {
    fetch(request) {
      const { pathname } = new URL(request.url);
      console.warn("seen", pathname);
      if (pathname === "/boom") throw new TypeError("boom");
      return new Response("ok " + pathname);
    },
  };`);
  await platform.deploy("exported", entry, { observability: { enabled: true } });
  await platform.deploy("unobserved", entry);
});

afterAll(async () => {
  for (const response of hanging.splice(0)) response.destroy();
  await platform?.stop();
  await new Promise((resolve) => collector.close(() => resolve(undefined)));
});

/** Every log record the collector received, with its resource's attributes. */
function records() {
  return received.flatMap(({ body }) =>
    body.resourceLogs.flatMap((/** @type {any} */ resourceLog) =>
      resourceLog.scopeLogs.flatMap((/** @type {any} */ scope) =>
        scope.logRecords.map((/** @type {any} */ record) => ({ resource: resourceLog.resource.attributes, ...record })),
      ),
    ),
  );
}

/** @param {any[]} attributes @param {string} key */
const attribute = (attributes, key) => {
  const value = attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

async function exportedCounts() {
  const response = await fetch(`${platform.adminUrl}/metrics`, { headers: { authorization: `Bearer ${platform.token}` } });
  const { samples } = parseExposition(await response.text());
  return {
    exported: total(samples, "outpost_otlp_log_records_total", { outcome: "exported" }),
    dropped: total(samples, "outpost_otlp_log_records_total", { outcome: "dropped" }),
  };
}

describe("OTLP log export", () => {
  it("export: each stored invocation reaches the collector as OTLP/JSON: its outcome, its console lines and exceptions, under a resource naming the worker", async () => {
    expect((await platform.fetchWorker("exported", "/hi")).status).toBe(200);
    expect((await platform.fetchWorker("exported", "/boom")).status).toBe(500);
    expect((await platform.fetchWorker("unobserved", "/quiet")).status).toBe(200);
    await waitUntil(() => records().filter((record) => record.body.stringValue.includes("/boom")).length >= 2, 15_000);
    expect(received.every((request) => request.contentType === "application/json" && request.path === "/v1/logs")).toBe(true);
    // The request's records: its outcome and its console line, told by its request id.
    const outcome = records().find((record) => record.body.stringValue === "GET /hi 200 (ok)");
    const hi = records().filter((record) => attribute(record.attributes, "outpost.request_id") === attribute(outcome.attributes, "outpost.request_id"));
    expect(hi.map((record) => [record.severityText, record.body.stringValue])).toEqual([
      ["INFO", "GET /hi 200 (ok)"],
      ["WARN", "seen /hi"],
    ]);
    expect(Object.fromEntries(hi[0].resource.map((/** @type {any} */ a) => [a.key, a.value.stringValue]))).toMatchObject({
      "service.name": "exported",
      "outpost.tenant": "default",
    });
    expect(attribute(hi[0].attributes, "http.response.status_code")).toBe("200");
    expect(BigInt(hi[0].timeUnixNano)).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    const boom = records().filter((record) => record.severityText === "ERROR" && attribute(record.attributes, "exception.type") === "TypeError");
    expect(boom.map((record) => record.body.stringValue)).toEqual(["TypeError: boom"]);
    // A worker without observability stores nothing, so exports nothing.
    expect(records().some((record) => attribute(record.resource, "service.name") === "unobserved")).toBe(false);
    await waitUntil(async () => (await exportedCounts()).exported >= 5, 10_000);
  });

  it("a collector that hangs or refuses: its batches are dropped and counted; requests are served and their logs stored meanwhile", async () => {
    const before = await exportedCounts();
    for (const [collectorMode, path] of /** @type {const} */ ([
      ["hang", "/while-hanging"],
      ["refuse", "/while-refused"],
    ])) {
      mode = collectorMode;
      const sent = received.length;
      for (let i = 0; i < 3; i++) expect((await platform.fetchWorker("exported", `${path}${i}`)).text).toBe(`ok ${path}${i}`);
      await waitUntil(() => received.slice(sent).some((request) => JSON.stringify(request.body).includes(path)), 15_000);
      // Each of those invocations is two records (the outcome and its console line): dropped, every one.
      await waitUntil(async () => (await exportedCounts()).dropped - before.dropped >= (collectorMode === "hang" ? 6 : 12), 20_000);
      const { body } = await platform.admin("GET", `/v1/workers/exported/logs?search=${path}`);
      expect(body.events).toHaveLength(3);
    }
    expect(platform.events().some((event) => /^OTLP log export: \d+ log records dropped$/.test(event.msg ?? ""))).toBe(true);
    mode = "ok";
    expect((await platform.fetchWorker("exported", "/recovered")).status).toBe(200);
    await waitUntil(() => records().some((record) => record.body.stringValue === "GET /recovered 200 (ok)"), 15_000);
  });
});
