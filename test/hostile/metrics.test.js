// What a tenant could try against the metrics: read them with its own token (the host's metrics
// name every tenant's workers), reach the supervisor's metrics port or a process's private port
// from its worker or directly, and put text into a label that breaks the exposition.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";
import { workerdProcesses } from "../helpers/processes.js";
import { parseExposition, total } from "../helpers/prometheus.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let tenantToken;
/** The supervisor's loopback metrics port, from the runner's config. */
let supervisorPort = 0;
beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  tenantToken = (await platform.admin("POST", "/v1/tokens", { name: "mallory-ci", tenant: "mallory-1" })).body.token;
  const source = `export default {
    async fetch(request) {
      const target = new URL(request.url).searchParams.get("url");
      if (!target) return new Response("ok");
      try {
        return new Response("reached " + (await fetch(target)).status);
      } catch (error) {
        return new Response("refused: " + error.message);
      }
    },
  };`;
  const bundle = await bundleWorker(await workerFile(source));
  const queues = { producers: { Q: { queue: "q_-9-x" } } };
  expect((await platform.admin("PUT", "/v1/workers/m-1-x", { ...bundle, queues }, tenantToken)).status).toBe(201);
  const config = await readFile(join(platform.dataDir, "workerd", "config.capnp"), "utf8");
  supervisorPort = Number(config.match(/metricsPort\\":(\d+)/)?.[1]);
  expect(supervisorPort).toBeGreaterThan(0);
});
afterAll(() => platform?.stop());

/** @param {string} url @param {string | null} token */
const get = (url, token) => fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

describe("metrics", () => {
  it("metrics: a tenant token gets 403 at /metrics and at the per-process metrics route", async () => {
    for (const path of ["/metrics", "/v1/maintenance/metrics"]) {
      const response = await get(`${platform.adminUrl}${path}`, tenantToken);
      expect(response.status, path).toBe(403);
      expect(await response.json()).toEqual({ error: { code: "ERR_FORBIDDEN", message: "This needs an operator token." } });
    }
  });

  it("metrics: the supervisor's metrics port answers only a runner (the per-start forward secret), not even an operator token", async () => {
    for (const token of [null, tenantToken, platform.token]) {
      const response = await get(`http://127.0.0.1:${supervisorPort}/metrics`, token);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: "ERR_UNAUTHORIZED", message: "Invalid token." } });
    }
    const [process] = workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);
    expect((await get(`http://127.0.0.1:${process?.privatePort}/v1/maintenance/metrics`, null)).status).toBe(401);
    expect((await get(`http://127.0.0.1:${process?.privatePort}/v1/maintenance/metrics`, tenantToken)).status).toBe(403);
  });

  it("metrics: an operator token created through the API reads /metrics like the configured one", async () => {
    const operator = (await platform.admin("POST", "/v1/tokens", { name: "prometheus" })).body;
    expect(operator.tenant).toBeNull();
    const response = await get(`${platform.adminUrl}/metrics`, operator.token);
    expect(response.status).toBe(200);
    expect(total(parseExposition(await response.text()).samples, "outpost_processes")).toBe(2);
  });

  it("metrics: a worker's fetch() to the supervisor's metrics port is refused as a platform socket", async () => {
    const answer = await platform.fetchWorker("m-1-x", `/?url=${encodeURIComponent(`http://127.0.0.1:${supervisorPort}/metrics`)}`);
    expect(answer.text).toMatch(/^refused: Outpost egress policy refused fetch to /);
    expect(answer.text).toContain(`127.0.0.1:${supervisorPort} (a platform socket)`);
  });

  it("metrics: tenant-chosen names reach the labels verbatim and the exposition stays well formed", async () => {
    expect((await platform.fetchWorker("m-1-x")).status).toBe(200);
    const { samples } = parseExposition(await (await get(`${platform.adminUrl}/metrics`, platform.token)).text());
    expect(total(samples, "outpost_requests_total", { tenant: "mallory-1", worker: "m-1-x" })).toBeGreaterThanOrEqual(1);
    expect(samples.get('outpost_queue_messages{queue="q_-9-x",tenant="mallory-1"}')).toBe(0);
    // Names that would break out of a label's quotes are refused before they are stored.
    const bundle = await bundleWorker(await workerFile(`export default { fetch() { return new Response("x"); } };`));
    const refused = await platform.admin("PUT", "/v1/workers/m-2", { ...bundle, queues: { producers: { Q: { queue: 'q"} 1\nx' } } } }, tenantToken);
    expect(refused.status).toBe(400);
  });
});
