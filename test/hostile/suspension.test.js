// Blame and suspension, driven as the supervisor drives them: the invocation journal it reads, and
// the incidents it reports (operator token) for processes it killed. A worker blamed for certain
// three times is suspended everywhere; an incident with several workers in flight blames nobody;
// tenants can neither report incidents nor resume another tenant's worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** Tenant tokens. */
const tokens = { acme: "", other: "" };
/** Serving version of each worker. */
const versions = /** @type {Record<string, string>} */ ({});

const SPINNER = `export default {
  fetch() { return new Response("spinner ok"); },
  queue(batch) { for (const message of batch.messages) message.ack(); },
  scheduled() {},
};`;
const HELLO = (/** @type {string} */ name) => `export default {
  fetch() { return new Response("${name} ok"); },
  queue(batch) { for (const message of batch.messages) message.ack(); },
};`;
const CALLER = `export default {
  async fetch(request, env) {
    try {
      return await env.SPIN.fetch(request);
    } catch (error) {
      return new Response(error.message, { status: 502 });
    }
  },
};`;

const SPINNER_DEPLOY = { tenant: "acme", queues: { consumers: [{ queue: "spin-jobs", maxBatchTimeout: 0 }] } };

/** @param {string} name @param {string} source @param {Record<string, unknown>} extra */
async function deploy(name, source, extra) {
  versions[name] = (await platform.deploy(name, await workerFile(source), extra)).version;
}

/** @param {string} worker @param {number} [copies] invocations of the worker's serving version in flight */
const suspects = (worker, copies = 1) =>
  Array.from({ length: copies }, (_, i) => ({
    id: `test-${worker}-${i}`,
    tenant: worker === "stranger" ? "other" : "acme",
    worker,
    version: versions[worker],
  }));

/** @param {unknown} body @param {string | null} [token] */
const report = (body, token) => platform.admin("POST", "/v1/maintenance/incidents", body, token);

/** @param {string} worker */
const suspensionOf = async (worker) => (await platform.admin("GET", `/v1/workers/${worker}`)).body.suspended;

/** @param {string} queue */
async function depth(queue) {
  const { body } = await platform.admin("GET", "/v1/queues?tenant=acme");
  return body.queues.find((/** @type {{ name: string }} */ q) => q.name === queue).depth;
}

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_LOG_JOURNAL: "1" } });
  for (const tenant of /** @type {const} */ (["acme", "other"])) {
    tokens[tenant] = (await platform.admin("POST", "/v1/tokens", { name: tenant, tenant })).body.token;
  }
  await deploy("spinner", SPINNER, SPINNER_DEPLOY);
  await deploy("neighbour", HELLO("neighbour"), { tenant: "acme", queues: { consumers: [{ queue: "neighbour-jobs", maxBatchTimeout: 0 }] } });
  await deploy("stranger", HELLO("stranger"), { tenant: "other" });
  await deploy("caller", CALLER, { tenant: "acme", services: { SPIN: { service: "spinner" } } });
  await deploy("limited", HELLO("limited"), { tenant: "acme", limits: { cpuMs: 50 } });
});

afterAll(async () => {
  await platform?.stop();
});

/** Journal lines printed so far (OUTPOST_LOG_JOURNAL=1). */
const journal = () => platform.events().filter((event) => event.src === "journal");

describe("the invocation journal", () => {
  it("journal: a request is bracketed by a start naming its worker version and an end with the same id", async () => {
    expect((await platform.fetchWorker("neighbour")).text).toBe("neighbour ok");
    const started = () => journal().filter((e) => e.msg === "start" && e.worker === "neighbour");
    await waitUntil(() => started().some((start) => journal().some((e) => e.msg === "end" && e.id === start.id)), 5000);
    const start = started().at(-1);
    expect(start).toMatchObject({ level: "debug", tenant: "acme", worker: "neighbour", version: versions.neighbour, id: expect.any(String) });
    expect(start).not.toHaveProperty("stallMs");
    const ids = journal()
      .filter((e) => e.msg === "start")
      .map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("journal: overlapping calls of one version share one start and end; count lines say how many calls are in flight", async () => {
    await deploy("sleeper", `export default { async fetch() { await new Promise((resolve) => setTimeout(resolve, 1500)); return new Response("slept"); } };`, {
      tenant: "acme",
    });
    const starts = () => journal().filter((e) => e.msg === "start" && e.version === versions.sleeper);
    const before = starts().length;
    const answers = await Promise.all(Array.from({ length: 12 }, () => platform.fetchWorker("sleeper")));
    expect(answers.map((answer) => answer.text)).toEqual(Array(12).fill("slept"));
    await waitUntil(
      () =>
        starts()
          .slice(before)
          .every((start) => journal().some((e) => e.msg === "end" && e.id === start.id)),
      5000,
    );
    // Twelve overlapping calls, far fewer starts: one per process that ran some of them (each
    // process keeps its own journal), give or take a call that a loaded machine started late.
    expect(starts().length - before).toBeGreaterThanOrEqual(1);
    expect(starts().length - before).toBeLessThan(12);
    expect(journal().some((e) => e.msg === "count" && typeof e.calls === "number" && e.calls >= 2)).toBe(true);
  });

  it("journal: a version's limits.cpuMs is its stallMs", async () => {
    expect((await platform.fetchWorker("limited")).text).toBe("limited ok");
    await waitUntil(() => journal().some((e) => e.msg === "start" && e.worker === "limited"), 5000);
    for (const start of journal().filter((e) => e.msg === "start" && e.worker === "limited")) expect(start.stallMs).toBe(50);
  });

  it("journal: a deploy's load check and warm-up run the new version's code inside the journal", async () => {
    // Two starts of the version before any request: the load check, and the warm-up after the deploy.
    expect(journal().filter((e) => e.msg === "start" && e.version === versions.stranger).length).toBeGreaterThanOrEqual(2);
  });

  it("journal: a service binding call is journaled as a call into its target", async () => {
    const before = journal().filter((e) => e.msg === "start" && e.worker === "spinner").length;
    expect((await platform.fetchWorker("caller")).text).toBe("spinner ok");
    await waitUntil(() => journal().filter((e) => e.msg === "start" && e.worker === "spinner").length > before, 5000);
  });

  it("journal: journal lines are printed only on request, never as runner lines", () => {
    expect(platform.events().filter((e) => e.src === "runner" && (e.msg === "start" || e.msg === "end"))).toEqual([]);
  });
});

describe("limits.cpuMs", () => {
  it("limits: out-of-range or fractional values are refused, nothing stored", async () => {
    const file = await workerFile(HELLO("limited2"));
    for (const cpuMs of [5, 30_001, 12.5, "100"]) {
      const { bundleWorker } = await import("../../cli/bundle.js");
      const result = await platform.admin("PUT", "/v1/workers/limited2", { ...(await bundleWorker(file)), tenant: "acme", limits: { cpuMs } });
      expect(result.status).toBe(400);
      expect(result.body.error.message).toBe("body.limits.cpuMs: cpuMs is a whole number of milliseconds from 10 to 30000.");
    }
    expect((await platform.admin("GET", "/v1/workers/limited2")).status).toBe(404);
  });

  it("limits: the limit is part of the version's identity", async () => {
    const result = await platform.deploy("limited", await workerFile(HELLO("limited")), { tenant: "acme", limits: { cpuMs: 60 } });
    expect(result).toMatchObject({ changed: true });
    expect(result.version).not.toBe(versions.limited);
  });
});

describe("incident reports", () => {
  it("incidents: a tenant token cannot report one (403), nothing recorded", async () => {
    const result = await report({ kind: "cpu", process: 0, suspects: suspects("stranger"), inFlight: 1 }, tokens.other);
    expect(result).toMatchObject({ status: 403, body: { error: { code: "ERR_FORBIDDEN" } } });
    expect(await suspensionOf("stranger")).toBeNull();
  });

  it("incidents: malformed reports are refused with the field named", async () => {
    expect((await report({ kind: "oom", process: 0, suspects: [], inFlight: 0 })).status).toBe(400);
    const bad = await report({ kind: "cpu", process: 0, suspects: [{ id: "x", tenant: "acme", worker: "spinner", version: "nope" }], inFlight: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("body.suspects.0.version");
  });

  it("incidents: several distinct workers in flight never suspend anyone, however many incidents", async () => {
    for (let i = 0; i < 5; i++) {
      const result = await report({ kind: "cpu", process: 1, suspects: [...suspects("neighbour"), ...suspects("stranger")], inFlight: 4 });
      expect(result).toMatchObject({ status: 201, body: { incident: expect.any(String), certain: false, suspended: [] } });
    }
    expect(await suspensionOf("neighbour")).toBeNull();
    expect(await suspensionOf("stranger")).toBeNull();
    // Not suspended, but run apart until blame is certain: the API and `outpost workers` say so.
    const row = (await platform.admin("GET", "/v1/workers/neighbour")).body;
    expect(row.probation).toEqual({ until: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    expect(Date.parse(row.probation.until)).toBeGreaterThan(Date.now());
    expect((await platform.fetchWorker("neighbour")).status).toBe(200);
  });

  it("probation: a client's request to a worker on probation cannot pass itself off as another tenant's forwarded queue batch", async () => {
    // Pool processes forward the batches of workers on probation with an x-outpost-event header;
    // sent by a client, the header is dropped and the request stays the stranger's request.
    const forged = {
      tenant: "acme",
      worker: "neighbour",
      version: versions.neighbour,
      queue: "neighbour-jobs",
      metrics: { backlogCount: 0, backlogBytes: 0, oldestMs: null },
      messages: [{ id: "0".repeat(32), timestamp: 0, attempts: 1, contentType: "text", body: "" }],
    };
    for (const kind of ["queue", "scheduled"]) {
      const headers = { "x-outpost-event": kind, "x-outpost-forward": "guess", "content-type": "application/json" };
      const response = await platform.fetchWorker("stranger", "/", { method: "POST", headers, body: JSON.stringify(forged) });
      expect(response).toMatchObject({ status: 200, text: "stranger ok" });
    }
  });

  it("probation: a forward right after one whose body the worker did not read is served (the connection it closed is not reused blindly)", async () => {
    // The probation process closes a connection whose request body went unread; the next forward
    // from the same process may pick that pooled connection and fail before it arrives.
    for (let round = 0; round < 10; round++) {
      const unread = await platform.fetchWorker("stranger", "/", { method: "POST", body: "x".repeat(64 * 1024) });
      expect(unread).toMatchObject({ status: 200, text: "stranger ok" });
      expect(await platform.fetchWorker("neighbour")).toMatchObject({ status: 200, text: "neighbour ok" });
    }
  });

  it("probation: a worker run apart gets the client's address as CF-Connecting-IP, whatever the client claims", async () => {
    // The pool process sets the header and forwards it; the probation process must not take a
    // client's own from the forwarded request instead.
    await deploy("echo-ip", `export default { fetch(request) { return new Response(request.headers.get("cf-connecting-ip")); } };`, { tenant: "acme" });
    await report({ kind: "cpu", process: 1, suspects: [...suspects("echo-ip"), ...suspects("stranger")], inFlight: 4 });
    expect((await platform.admin("GET", "/v1/workers/echo-ip")).body.probation).toEqual({ until: expect.any(String) });
    for (const headers of [{}, { "cf-connecting-ip": "203.0.113.9" }]) {
      expect(await platform.fetchWorker("echo-ip", "/", { headers })).toMatchObject({ status: 200, text: "127.0.0.1" });
    }
  });

  it("incidents: no suspect in flight blames nobody", async () => {
    expect((await report({ kind: "crash", process: 1, suspects: [], inFlight: 0 })).body).toMatchObject({ certain: false, suspended: [] });
  });
});

describe("suspension", () => {
  beforeAll(async () => {
    // Two certain incidents: counted, not yet suspended. Several invocations of one version are one suspect.
    for (const copies of [1, 3]) {
      const result = await report({ kind: "cpu", process: 2, suspects: suspects("spinner", copies), inFlight: copies + 2 });
      expect(result.body).toMatchObject({ certain: true, suspended: [] });
    }
    expect((await platform.fetchWorker("spinner")).text).toBe("spinner ok");
    const third = await report({ kind: "cpu", process: 3, suspects: suspects("spinner"), inFlight: 1 });
    expect(third).toMatchObject({ status: 201, body: { certain: true, suspended: ["spinner"] } });
  });

  it("suspension: every request gets 503 naming the reason and the way out", async () => {
    const response = await platform.fetchWorker("spinner");
    expect(response.status).toBe(503);
    expect(response.text).toMatch(
      /^Worker spinner is suspended: it stalled its process for longer than its CPU limit 3 times within 10 minutes \(last at \d{4}-\d\d-\d\dT[\d:.]+Z\)\. Its owner can resume it with `outpost resume spinner` or deploy a changed version\.\n$/,
    );
  });

  it("suspension: the admin API shows reason, time and count, to the operator and to the owner", async () => {
    const suspended = await suspensionOf("spinner");
    expect(suspended).toEqual({
      reason: "it stalled its process for longer than its CPU limit 3 times within 10 minutes",
      at: expect.stringMatching(/Z$/),
      incidents: 3,
    });
    const listed = (await platform.admin("GET", "/v1/workers", undefined, tokens.acme)).body.workers;
    expect(listed.find((/** @type {{ name: string }} */ w) => w.name === "spinner").suspended).toEqual(suspended);
    expect(listed.find((/** @type {{ name: string }} */ w) => w.name === "neighbour").suspended).toBeNull();
  });

  it("suspension: other workers of the same and other tenants are served", async () => {
    expect((await platform.fetchWorker("neighbour")).text).toBe("neighbour ok");
    expect((await platform.fetchWorker("stranger")).text).toBe("stranger ok");
  });

  it("suspension: a service binding to it fails with the suspension named", async () => {
    const response = await platform.fetchWorker("caller");
    expect(response.status).toBe(502);
    expect(response.text).toContain("Service binding SPIN: Worker spinner is suspended: it stalled its process");
  });

  it("suspension: a cron tick is skipped and recorded, the handler not called", async () => {
    const result = await platform.admin("POST", "/v1/workers/spinner/scheduled", { cron: "by-hand" });
    expect(result.body).toMatchObject({ claimed: true, outcome: "suspended", attempts: 0 });
  });

  it("suspension: more incidents while suspended are counted against the worker, and do not suspend it twice", async () => {
    const result = await report({ kind: "cpu", process: 4, suspects: suspects("spinner"), inFlight: 1 });
    expect(result.body).toMatchObject({ certain: true, suspended: [] });
    expect((await suspensionOf("spinner")).incidents).toBe(4);
  });

  it("suspension: a tenant cannot resume another tenant's worker (404), nor does an identical redeploy lift it", async () => {
    expect((await platform.admin("POST", "/v1/workers/spinner/resume", undefined, tokens.other)).status).toBe(404);
    const { bundleWorker } = await import("../../cli/bundle.js");
    const again = await platform.admin("PUT", "/v1/workers/spinner", { ...(await bundleWorker(await workerFile(SPINNER))), ...SPINNER_DEPLOY });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("Worker spinner is suspended");
    expect((await platform.fetchWorker("spinner")).status).toBe(503);
  });

  it("suspension: queue batches wait while suspended and are delivered after the owner resumes it", async () => {
    await platform.admin("POST", "/v1/queues/spin-jobs/messages?tenant=acme", { messages: [{ body: "waits" }] });
    await platform.admin("POST", "/v1/queues/neighbour-jobs/messages?tenant=acme", { messages: [{ body: "goes" }] });
    // The neighbour's pump is woken the same way as the spinner's: once it delivered, the spinner's had its chance.
    await waitUntil(async () => (await depth("neighbour-jobs")) === 0, 10_000);
    expect(await depth("spin-jobs")).toBe(1);

    const resumed = await platform.admin("POST", "/v1/workers/spinner/resume", undefined, tokens.acme);
    expect(resumed).toMatchObject({ status: 200, body: { name: "spinner", suspended: null } });
    expect((await platform.fetchWorker("spinner")).text).toBe("spinner ok");
    await waitUntil(async () => (await depth("spin-jobs")) === 0, 10_000);
    expect((await platform.admin("POST", "/v1/workers/spinner/resume", undefined, tokens.acme)).status).toBe(409);
  });

  it("suspension: a resume restarts the count; a changed deploy lifts a new suspension", async () => {
    for (let i = 0; i < 2; i++) expect((await report({ kind: "memory", process: 5, suspects: suspects("spinner"), inFlight: 1 })).body.suspended).toEqual([]);
    expect((await report({ kind: "memory", process: 5, suspects: suspects("spinner"), inFlight: 1 })).body.suspended).toEqual(["spinner"]);
    expect((await platform.fetchWorker("spinner")).text).toContain("it ran its process out of memory 3 times within 10 minutes");
    const changed = await platform.deploy("spinner", await workerFile(SPINNER.replace("spinner ok", "spinner fixed")), SPINNER_DEPLOY);
    expect(changed).toMatchObject({ changed: true });
    expect(await suspensionOf("spinner")).toBeNull();
    expect((await platform.fetchWorker("spinner")).text).toBe("spinner fixed");
  });

  it("suspension: incidents and resumes are in the audit log; every incident is in the platform log", async () => {
    const { entries } = (await platform.admin("GET", "/v1/audit?limit=500")).body;
    const actions = entries.map((/** @type {{ action: string }} */ e) => e.action);
    expect(actions).toContain("POST /v1/maintenance/incidents");
    const resumes = entries.filter((/** @type {{ action: string }} */ e) => e.action === "POST /v1/workers/:name/resume");
    expect(resumes).toContainEqual(expect.objectContaining({ tenant: "acme", status: 200, target: "/v1/workers/spinner/resume" }));
    const logged = platform.events().filter((e) => e.src === "runner" && typeof e.msg === "string" && e.msg.startsWith("incident:"));
    // Uncertain incidents put their suspects on probation; one with no suspect blames nobody.
    expect(logged.map((e) => e.action)).toEqual(expect.arrayContaining(["unattributed", "probation", "counted", "suspended"]));
    expect(logged.find((e) => e.action === "suspended")).toMatchObject({
      tenant: "acme",
      worker: "spinner",
      version: expect.any(String),
      kind: "cpu",
      certain: true,
    });
  });
});
