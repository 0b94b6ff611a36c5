// GET /metrics as an operator's Prometheus sees it: the host's counters in the text format, summed
// over every workerd process by the supervisor, growing by exactly what was done between two
// scrapes, and never going backwards when a process is killed and restarted.
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../cli/net.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { workerdProcesses } from "../helpers/processes.js";
import { parseExposition, total } from "../helpers/prometheus.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
let metricsPort = 0;
beforeAll(async () => {
  metricsPort = await freePort();
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "2", OUTPOST_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`, OUTPOST_SUSPEND_AFTER: "1" } });
  const entry = await workerFile(`export default {
    async fetch(request, env) {
      await env.KV.get("counted");
      if (new URL(request.url).pathname === "/fail") throw new Error("failing on purpose");
      return new Response("ok");
    },
    async scheduled() {},
  };`);
  await platform.deploy("counted", entry, { kv: { KV: "metrics-ns" }, queues: { producers: { Q: { queue: "metrics-q" } } } });
});
afterAll(() => platform?.stop());

/** One scrape of the admin socket with the operator token, parsed strictly. */
async function scrape() {
  const response = await fetch(`${platform.adminUrl}/metrics`, { headers: { authorization: `Bearer ${platform.token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(await response.text()).samples;
}

/** One scrape of OUTPOST_METRICS_ADDRESS: the supervisor answers it, so it works while a workerd process dies (the admin socket's kept-alive connection may be that process's). */
async function scrapeSupervisor() {
  return parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
}

/** Every counter and histogram series of `before` is at least as high in `after`. @param {Map<string, number>} before @param {Map<string, number>} after @param {Map<string, string>} types */
function wentBackwards(before, after, types) {
  const monotonic = (/** @type {string} */ key) => {
    const name = key.slice(0, key.indexOf("{"));
    const family = [...types.keys()].find((f) => name === f || name === `${f}_bucket` || name === `${f}_sum` || name === `${f}_count`);
    return family !== undefined && types.get(family) !== "gauge";
  };
  return [...before]
    .filter(([key, value]) => monotonic(key) && !((after.get(key) ?? -1) >= value))
    .map(([key, value]) => `${key}: ${value} → ${after.get(key)}`);
}

/** @param {Map<string, number>} before @param {Map<string, number>} after @param {string} name @param {Record<string, string>} labels */
const grewBy = (before, after, name, labels) => total(after, name, labels) - total(before, name, labels);

describe("metrics", () => {
  it("metrics: the admin socket serves the text format to the operator token; without a token it is 401", async () => {
    const samples = await scrape();
    for (const name of [
      "outpost_processes",
      "outpost_process_restarts_total",
      "outpost_incidents_total",
      "outpost_suspensions_total",
      "outpost_isolates_loaded",
    ]) {
      expect([...samples.keys()].some((key) => key.startsWith(`${name}{`))).toBe(true);
    }
    // Two pool processes and the probation process.
    expect(total(samples, "outpost_processes")).toBe(3);
    for (const process of ["0", "1", "2"]) expect(total(samples, "outpost_process_resident_memory_bytes", { process })).toBeGreaterThan(10 * 2 ** 20);
    const anonymous = await fetch(`${platform.adminUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { code: "ERR_UNAUTHORIZED", message: "Missing admin token: send `Authorization: Bearer <token>`." } });
  });

  it("metrics: OUTPOST_METRICS_ADDRESS serves the same exposition without a token, and only /metrics", async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    const { samples } = parseExposition(await response.text());
    expect(total(samples, "outpost_processes")).toBe(3);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("metrics: requests, errors, latency and binding calls grow by exactly what was done between two scrapes", async () => {
    const before = await scrape();
    for (let i = 0; i < 5; i++) expect((await platform.fetchWorker("counted")).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await platform.fetchWorker("counted", "/fail")).status).toBe(500);
    const after = await scrape();
    const grew = (/** @type {string} */ name, /** @type {Record<string, string>} */ labels) => total(after, name, labels) - total(before, name, labels);
    const worker = { tenant: "default", worker: "counted" };
    expect(grew("outpost_requests_total", worker)).toBe(7);
    expect(grew("outpost_request_errors_total", worker)).toBe(2);
    expect(grew("outpost_request_duration_seconds_count", worker)).toBe(7);
    expect(grew("outpost_request_duration_seconds_bucket", { ...worker, le: "+Inf" })).toBe(7);
    expect(grew("outpost_binding_operations_total", { kind: "kv" })).toBe(7);
    expect(grew("outpost_binding_operation_duration_seconds_count", { kind: "kv" })).toBe(7);
    expect(grew("outpost_binding_errors_total", { kind: "kv" })).toBe(0);
    expect(total(after, "outpost_postgres_queries_total")).toBeGreaterThan(0);
    expect(after.get('outpost_queue_messages{queue="metrics-q",tenant="default"}')).toBe(0);
    // Each version's series carries the version id.
    const { version } = (await platform.admin("GET", "/v1/workers/counted")).body;
    expect(total(after, "outpost_requests_total", { ...worker, version })).toBe(total(after, "outpost_requests_total", worker));
  });

  it("metrics: service binding calls are counted as binding operations, and the callee's requests are not public requests", async () => {
    const caller = await workerFile(`export default { fetch(request, env) { return env.COUNTED.fetch("http://counted/"); } };`);
    await platform.deploy("caller", caller, { services: { COUNTED: { service: "counted" } } });
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await platform.fetchWorker("caller")).text).toBe("ok");
    const after = await scrape();
    expect(grewBy(before, after, "outpost_binding_operations_total", { kind: "service" })).toBe(3);
    expect(grewBy(before, after, "outpost_requests_total", { worker: "caller" })).toBe(3);
    expect(grewBy(before, after, "outpost_requests_total", { worker: "counted" })).toBe(0);
    // The callee's own KV reads count as its binding calls.
    expect(grewBy(before, after, "outpost_binding_operations_total", { kind: "kv" })).toBe(3);
  });

  it("metrics: a client that accepts only JSON gets the same families as JSON; Prometheus's Accept gets the text format", async () => {
    const json = await fetch(`${platform.adminUrl}/metrics`, { headers: { authorization: `Bearer ${platform.token}`, accept: "application/json" } });
    expect(json.headers.get("content-type")).toBe("application/json");
    const { families } = /** @type {{ families: import("../../cli/metrics-text.js").MetricFamily[] }} */ (await json.json());
    const requests = families.find((family) => family.name === "outpost_requests_total");
    expect(requests?.type).toBe("counter");
    expect(requests?.samples.some((sample) => sample.labels.worker === "counted" && sample.value >= 7)).toBe(true);
    const prometheus = "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { accept: prometheus } });
    expect(text.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("metrics: cron runs are counted by outcome; queue depth is read at each scrape", async () => {
    const before = await scrape();
    const tick = await platform.admin("POST", "/v1/workers/counted/scheduled", { cron: "by-hand", scheduledTime: Date.now() });
    expect(tick.body).toMatchObject({ claimed: true, outcome: "ok" });
    const sent = await platform.admin("POST", "/v1/queues/metrics-q/messages", { messages: [{ body: 1 }, { body: 2 }] });
    expect(sent.status).toBe(201);
    const after = await scrape();
    expect(total(after, "outpost_cron_runs_total", { outcome: "ok" }) - total(before, "outpost_cron_runs_total", { outcome: "ok" })).toBe(1);
    expect(after.get('outpost_queue_messages{queue="metrics-q",tenant="default"}')).toBe(2);
    expect(after.get('outpost_queue_oldest_message_age_seconds{queue="metrics-q",tenant="default"}')).toBeGreaterThanOrEqual(0);
    expect(after.get('outpost_queue_dead_lettered_total{queue="metrics-q",tenant="default"}')).toBe(0);
  });

  it("metrics: a SIGKILLed process is counted as restarted and no counter goes backwards", async () => {
    for (let i = 0; i < 6; i++) await platform.fetchWorker("counted");
    const { samples: before, types } = await scrapeSupervisor();
    const [victim] = workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);
    process.kill(victim?.pid ?? 0, "SIGKILL");
    await waitUntil(() => workerdProcesses(platform.dataDir).filter((proc) => proc.pooled && proc.pid !== victim?.pid).length === 2, 20_000);
    // Scrapes while the process dies and its replacement starts: each at least the one before.
    let previous = before;
    for (let i = 0; i < 5; i++) {
      const { samples: now } = await scrapeSupervisor();
      expect(wentBackwards(previous, now, types)).toEqual([]);
      previous = now;
    }
    expect(total(previous, "outpost_process_restarts_total", { reason: "crash" }) - total(before, "outpost_process_restarts_total", { reason: "crash" })).toBe(
      1,
    );
    expect(total(previous, "outpost_requests_total", { worker: "counted" })).toBeGreaterThanOrEqual(
      total(before, "outpost_requests_total", { worker: "counted" }),
    );
  });

  it("metrics: a worker stuck in a loop counts a stall kill, a cpu restart, a cpu incident and its suspension", async () => {
    await platform.deploy("spinner", await workerFile(`export default { fetch() { for (;;) {} } };`));
    const before = await scrape();
    const grew = (/** @type {Map<string, number>} */ now, /** @type {string} */ name, /** @type {Record<string, string>} */ labels) =>
      total(now, name, labels) - total(before, name, labels);
    // The process is killed under the request: the connection ends without an answer.
    await platform.fetchWorker("spinner").catch(() => null);
    await waitUntil(async () => grew((await scrapeSupervisor()).samples, "outpost_incidents_total", { kind: "cpu" }) === 1, 20_000);
    const { samples: after } = await scrapeSupervisor();
    expect(grew(after, "outpost_process_kills_total", { reason: "stall" })).toBe(1);
    expect(grew(after, "outpost_process_restarts_total", { reason: "cpu" })).toBe(1);
    // OUTPOST_SUSPEND_AFTER=1: one certain incident suspends the worker.
    expect(grew(after, "outpost_suspensions_total", {})).toBe(1);
    expect(after.get("outpost_workers_suspended{}")).toBe(1);
  });

  it("metrics: a reload counts each replaced process and keeps every counter", async () => {
    const { samples: before, types } = await scrapeSupervisor();
    const pid = Number(await readFile(join(platform.dataDir, "outpost.pid"), "utf8"));
    process.kill(pid, "SIGHUP");
    // Two pool processes and the probation process, one at a time.
    const grew = async () => grewBy(before, (await scrapeSupervisor()).samples, "outpost_process_replacements_total", { reason: "reload" });
    await waitUntil(async () => (await grew()) === 3, 60_000);
    expect(wentBackwards(before, (await scrapeSupervisor()).samples, types)).toEqual([]);
  });
});

describe("OUTPOST_METRICS_ADDRESS", () => {
  it("metrics: a malformed address stops outpost start with what to write", async () => {
    await expect(startPlatform({ env: { OUTPOST_METRICS_ADDRESS: "9464" } })).rejects.toThrow(
      'OUTPOST_METRICS_ADDRESS must be IP:PORT, [IPv6]:PORT or localhost:PORT (e.g. 127.0.0.1:9464), got "9464"',
    );
  });

  it("metrics: an address already in use stops outpost start", async () => {
    const holder = createServer();
    await new Promise((resolve) => holder.listen(0, "127.0.0.1", () => resolve(undefined)));
    const address = holder.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      await expect(startPlatform({ env: { OUTPOST_METRICS_ADDRESS: `127.0.0.1:${port}` } })).rejects.toThrow(
        `metrics: cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
    } finally {
      holder.close();
    }
  });
});
