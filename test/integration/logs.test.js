// Stored logs and the live tail, as a user reads them: a worker with observability on logs lines
// and throws; the admin API and `outpost logs` return its invocations with outcome and status,
// filters narrow them, retention keeps the newest, and `tail` streams each one as it ends.
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));
// Above the 60 invocations the sampling test sends to one worker.
const RETAINED = 80;

const APP = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/boom") {
      console.warn("about to fail", { path: url.pathname });
      throw new Error("boom");
    }
    console.log("hello", url.pathname);
    return new Response("ok " + url.pathname);
  },
};`;

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_LOG_RETENTION_EVENTS: String(RETAINED), OUTPOST_STALL_MS: "300", OUTPOST_SUSPEND_AFTER: "1" } });
  const entry = await workerFile(APP);
  await platform.deploy("app", entry, { observability: { enabled: true } });
  await platform.deploy("quiet", entry);
  await platform.deploy("unsampled", entry, { observability: { enabled: true, headSamplingRate: 0 } });
  await platform.deploy("halved", entry, { observability: { enabled: true, headSamplingRate: 0.5 } });
  await platform.deploy("churn", entry, { observability: { enabled: true } });
  await platform.deploy("spinner", await workerFile(`export default { fetch() { for (;;); } };`), { observability: { enabled: true } });
});

afterAll(async () => {
  await platform?.stop();
});

/** @param {string} worker @param {string} [query] */
async function stored(worker, query = "") {
  const { status, body } = await platform.admin("GET", `/v1/workers/${worker}/logs${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** @param {string[]} args */
async function cli(args) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
  return (await promisify(execFile)(process.execPath, [CLI, ...args], { env })).stdout;
}

describe("stored logs", () => {
  beforeAll(async () => {
    expect((await platform.fetchWorker("app", "/hi?x=1", { headers: { "x-kind": "greeting" } })).status).toBe(200);
    expect((await platform.fetchWorker("app", "/boom")).status).toBe(500);
    await waitUntil(async () => (await stored("app")).events.length === 2, 10_000);
  });

  it("GET /logs: each invocation with outcome, request, status, lines and exceptions, newest first", async () => {
    const { events, cursor, dropped } = await stored("app");
    expect(cursor).toBe(null);
    expect(dropped).toBe(0);
    const [boom, hi] = events;
    expect(hi).toMatchObject({ worker: "app", trigger: "fetch", outcome: "ok", method: "GET", path: "/hi?x=1", status: 200, exceptions: [], dropped: 0 });
    expect(hi.logs).toEqual([{ at: expect.any(String), level: "info", message: "hello /hi" }]);
    expect(hi.requestId).toMatch(/^[0-9a-f]{16}$/);
    expect(hi.headers).toMatchObject({ "x-kind": "greeting", "cf-ray": hi.requestId });
    // The connection's address: no forwarding header is trusted by default.
    expect(hi.clientIp).toBe("127.0.0.1");
    // It threw: the worker gave no response (the client got the platform's 500).
    expect(boom).toMatchObject({ outcome: "exception", path: "/boom", status: null });
    expect(boom.logs).toEqual([{ at: expect.any(String), level: "warn", message: 'about to fail {"path":"/boom"}' }]);
    expect(boom.exceptions).toEqual([{ at: expect.any(String), name: "Error", message: "boom", stack: expect.stringContaining("worker.js:7") }]);
    expect(Date.parse(boom.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("filters: outcome, status, level, search, method, time range, limit and cursor", async () => {
    const paths = async (/** @type {string} */ query) => (await stored("app", query)).events.map((/** @type {any} */ e) => e.path);
    expect(await paths("?outcome=error")).toEqual(["/boom"]);
    expect(await paths("?outcome=ok")).toEqual(["/hi?x=1"]);
    expect(await paths("?status=200")).toEqual(["/hi?x=1"]);
    expect(await paths("?status=500")).toEqual([]);
    expect(await paths("?level=warn")).toEqual(["/boom"]);
    expect(await paths("?level=info")).toEqual(["/boom", "/hi?x=1"]);
    expect(await paths("?search=HELLO")).toEqual(["/hi?x=1"]);
    expect(await paths("?search=100%25")).toEqual([]);
    expect(await paths("?method=post")).toEqual([]);
    expect(await paths("?header=x-kind:greeting")).toEqual(["/hi?x=1"]);
    expect(await paths("?header=X-Kind")).toEqual(["/hi?x=1"]);
    expect(await paths("?header=x-kind:other")).toEqual([]);
    expect(await paths("?ip=127.0.0.1")).toEqual(["/boom", "/hi?x=1"]);
    expect(await paths("?ip=::1")).toEqual([]);
    expect(await paths(`?since=${Date.now() + 60_000}`)).toEqual([]);
    expect(await paths(`?until=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual(["/boom", "/hi?x=1"]);
    const first = await stored("app", "?limit=1");
    expect(first.events.map((/** @type {any} */ e) => e.path)).toEqual(["/boom"]);
    expect(await paths(`?limit=1&cursor=${first.cursor}`)).toEqual(["/hi?x=1"]);
  });

  it("GET /logs: bad filters are a 400 naming the parameter; an unknown worker a 404", async () => {
    const bad = await platform.admin("GET", "/v1/workers/app/logs?level=loud");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("ERR_BAD_REQUEST");
    expect(bad.body.error.message).toContain("query.level");
    expect((await platform.admin("GET", "/v1/workers/app/logs?since=yesterday")).body.error.message).toContain("query.since");
    expect((await platform.admin("GET", "/v1/workers/app/logs?limit=501")).status).toBe(400);
    expect((await platform.admin("GET", "/v1/workers/app/logs?surprise=1")).status).toBe(400);
    expect(await platform.admin("GET", "/v1/workers/nobody/logs")).toEqual({
      status: 404,
      body: { error: { code: "ERR_NOT_FOUND", message: "No worker named nobody." } },
    });
  });

  it("outpost logs: stored invocations, oldest first, with the same filters", async () => {
    const json = (await cli(["logs", "app", "--format", "json", "--status", "error"]))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(json.map((e) => [e.path, e.outcome])).toEqual([["/boom", "exception"]]);
    const pretty = await cli(["logs", "app"]);
    expect(pretty).toMatch(/GET \/hi\?x=1 200 ok[^\n]*\n {2}\(info\) hello \/hi\n[^\n]*GET \/boom - exception/);
    expect(pretty).toContain("  ✘ Error: boom");
    expect(await cli(["logs", "app", "--search", "nothing-like-this"])).toContain("no stored invocations of app match");
    const first = await cli(["logs", "app", "--limit", "1"]);
    expect(first).toContain("GET /boom");
    const cursor = /add --cursor (\S+)\)/.exec(first)?.[1] ?? "";
    expect(await cli(["logs", "app", "--limit", "1", "--cursor", cursor])).toContain("GET /hi?x=1");
  });

  it("head_sampling_rate 0.5: about half of the invocations are stored, and they are served all the same", async () => {
    const sent = 60;
    for (let i = 0; i < sent; i++) expect((await platform.fetchWorker("halved", `/h${i}`)).text).toBe(`ok /h${i}`);
    // The app's invocation after theirs is stored: theirs would have been by then.
    expect((await platform.fetchWorker("app", "/behind-halved")).status).toBe(200);
    await waitUntil(async () => (await stored("app", "?search=behind-halved")).events.length === 1, 10_000);
    const kept = (await stored("halved", "?limit=500")).events.length;
    // Binomial(60, 0.5): outside 12–48 once in about 10^6 runs.
    expect(kept).toBeGreaterThanOrEqual(12);
    expect(kept).toBeLessThanOrEqual(48);
  });

  it("a version without observability, or sampled at 0, stores nothing", async () => {
    expect((await platform.fetchWorker("quiet", "/q")).status).toBe(200);
    expect((await platform.fetchWorker("unsampled", "/u")).status).toBe(200);
    // The app's invocation after theirs is stored: theirs would have been by then.
    expect((await platform.fetchWorker("app", "/after")).status).toBe(200);
    await waitUntil(async () => (await stored("app", "?search=after")).events.length === 1, 10_000);
    expect((await stored("quiet")).events).toEqual([]);
    expect((await stored("unsampled")).events).toEqual([]);
  });
});

it(`retention: a worker keeps its newest ${RETAINED} invocations, never more`, async () => {
  for (let i = 0; i < RETAINED + 4; i++) expect((await platform.fetchWorker("churn", `/n${i}`)).status).toBe(200);
  /** @type {string[]} */
  let paths = [];
  // Each process stores its own invocations in its own batches: the last request's may be stored
  // before an earlier one, so wait for the count as well as for the newest.
  await waitUntil(async () => {
    paths = (await stored("churn", "?limit=500")).events.map((/** @type {any} */ e) => e.path);
    expect(paths.length).toBeLessThanOrEqual(RETAINED);
    return paths.length === RETAINED && [RETAINED + 1, RETAINED + 2, RETAINED + 3].every((n) => paths.includes(`/n${n}`));
  }, 10_000);
  expect(paths).toHaveLength(RETAINED);
});

it("deleting a worker deletes its stored invocations: the name deployed again starts clean", async () => {
  const entry = await workerFile(APP);
  await platform.deploy("gone", entry, { observability: { enabled: true } });
  expect((await platform.fetchWorker("gone", "/before")).status).toBe(200);
  await waitUntil(async () => (await stored("gone")).events.length === 1, 10_000);
  expect((await platform.admin("DELETE", "/v1/workers/gone")).status).toBe(204);
  expect((await platform.admin("GET", "/v1/workers/gone/logs")).status).toBe(404);
  await platform.deploy("gone", entry, { observability: { enabled: true } });
  expect((await stored("gone")).events).toEqual([]);
});

describe("tail", () => {
  it("GET /tail streams an invocation as NDJSON within 1 s of its response", async () => {
    const abort = new AbortController();
    const response = await fetch(`${platform.adminUrl}/v1/workers/app/tail?outcome=ok`, {
      headers: { authorization: `Bearer ${platform.token}` },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
    try {
      // A failing invocation first: the filter keeps it out.
      expect((await platform.fetchWorker("app", "/boom")).status).toBe(500);
      expect((await platform.fetchWorker("app", "/live")).status).toBe(200);
      const answered = Date.now();
      const { value } = await reader.read();
      const arrived = Date.now();
      const [event] = new TextDecoder()
        .decode(value)
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(event).toMatchObject({ path: "/live", outcome: "ok", logs: [{ level: "info", message: "hello /live" }] });
      expect(arrived - answered).toBeLessThanOrEqual(1_000);
    } finally {
      abort.abort();
    }
  });

  it("outpost tail --format json prints each invocation as it ends", async () => {
    const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
    const child = spawn(process.execPath, [CLI, "tail", "app", "--format", "json", "--method", "GET", "--search", "tailed", "--header", "x-tail:1"], { env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    try {
      // The tail starts after the newest stored invocation once it is connected: ask until one arrives.
      await waitUntil(async () => {
        await platform.fetchWorker("app", "/tailed", { headers: { "x-tail": "1" } });
        return output.includes("\n");
      }, 15_000);
      const event = JSON.parse(output.split("\n")[0] ?? "");
      expect(event).toMatchObject({ worker: "app", path: "/tailed", outcome: "ok", status: 200 });
    } finally {
      child.kill("SIGINT");
    }
  });
});

it("a slow store drops invocations and counts them; requests are served meanwhile", async () => {
  await platform.deploy("slowpoke", await workerFile(APP), { observability: { enabled: true } });
  const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  /** @type {() => void} */
  let release = () => {};
  const released = new Promise((resolve) => (release = () => resolve(undefined)));
  /** @type {() => void} */
  let locked = () => {};
  const lockHeld = new Promise((resolve) => (locked = () => resolve(undefined)));
  const holding = sql.begin(async (tx) => {
    await tx`LOCK TABLE log_events IN ACCESS EXCLUSIVE MODE`;
    locked();
    await released;
  });
  try {
    await lockHeld;
    for (let i = 0; i < 3; i++) expect((await platform.fetchWorker("slowpoke", `/slow${i}`)).status).toBe(200);
    const served = Date.now();
    // Statements wait on the lock until Postgres gives them up (1 s): the batch is dropped and
    // counted. One queued behind reads the lock holds up can miss its call's deadline (5 s)
    // instead: it is in doubt until the process's next call settles it.
    await waitUntil(() => platform.logs().includes("log store:"), 15_000);
    // The warning may be for an earlier test's batch: the lock stays long enough for these
    // invocations' own batch (written 50 ms after they end) to give up too.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, served + 2500 - Date.now())));
    expect(platform.events().find((event) => event.msg?.startsWith("log store:"))).toMatchObject({
      level: "warn",
      src: "runner",
      msg: expect.stringMatching(/^log store: (\d+ invocations dropped \(the database refused the batch\)|no answer for a batch of \d+ invocations; .+)$/),
    });
  } finally {
    release();
    await holding;
    await sql.end();
  }
  // A process writes its count with its next batch: ask until a request lands in each one that
  // dropped. Every invocation is stored or counted, never both (slowpoke has no others).
  const slow = async () => {
    const { events, dropped } = await stored("slowpoke");
    return { kept: events.length, dropped };
  };
  await waitUntil(async () => {
    expect((await platform.fetchWorker("app", "/after-slow")).status).toBe(200);
    const { kept, dropped } = await slow();
    return kept + dropped >= 3;
  }, 30_000);
  const { kept, dropped } = await slow();
  expect(kept + dropped).toBe(3);
});

it("a batch that got no answer is stored or counted, exactly: one that committed late is not counted, one rolled back late is", async () => {
  // The database stalls past the call's deadline (5 s) on these workers' rows, then commits one
  // batch and rolls the other back; the runner saw neither answer.
  const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  const entry = await workerFile(APP);
  for (const name of ["late-stored", "late-refused"]) await platform.deploy(name, entry, { observability: { enabled: true } });
  await sql.unsafe(`CREATE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_sleep(6);
      IF NEW.worker = 'late-refused' THEN RAISE EXCEPTION 'rolled back late'; END IF;
      RETURN NEW;
    END $$`);
  await sql.unsafe(`CREATE TRIGGER test_stall BEFORE INSERT ON log_events FOR EACH ROW
    WHEN (NEW.worker IN ('late-stored', 'late-refused')) EXECUTE FUNCTION test_stall()`);
  // Only this test's lines: an earlier test's batch may have been in doubt too.
  const earlier = platform.events().length;
  const said = (/** @type {string} */ start) =>
    platform
      .events()
      .slice(earlier)
      .filter((event) => event.msg?.startsWith(start))
      .map((event) => event.msg);
  // Another request makes the process's next call, which settles its batch in doubt.
  const settled = async (/** @type {number} */ count) =>
    waitUntil(async () => {
      expect((await platform.fetchWorker("app", "/after-late")).status).toBe(200);
      return said("log store: the batch in doubt").length === count;
    }, 30_000);
  try {
    // One at a time: each is its own batch, settled before the next is sent.
    for (const [i, name] of ["late-stored", "late-refused"].entries()) {
      expect((await platform.fetchWorker(name, "/late")).status).toBe(200);
      await waitUntil(() => said("log store: no answer for a batch").length === i + 1, 30_000);
      await settled(i + 1);
    }
  } finally {
    await sql.unsafe("DROP TRIGGER test_stall ON log_events; DROP FUNCTION test_stall()");
    await sql.end();
  }
  // (The rolled-back batch may hold app's requests too.)
  expect(said("log store: the batch in doubt")).toEqual([
    "log store: the batch in doubt had been stored; none of its 1 invocations is counted as dropped",
    expect.stringMatching(/^log store: the batch in doubt was not stored; its \d+ invocations are counted as dropped$/),
  ]);
  const [lateStored, lateRefused] = [await stored("late-stored"), await stored("late-refused")];
  expect([lateStored.events.map((/** @type {any} */ event) => event.path), lateStored.dropped]).toEqual([["/late"], 0]);
  expect([lateRefused.events, lateRefused.dropped]).toEqual([[], 1]);
});

// Last: it has a process killed.
it("an invocation whose process was killed for spinning is stored from the incident (exceededCpu), then its refused requests (suspended)", async () => {
  await platform.fetchWorker("spinner", "/spin").catch(() => {});
  // A connection to the process being killed may break: asked again.
  await waitUntil(async () => (await stored("spinner").catch(() => null))?.events.length === 1, 15_000);
  const [event] = (await stored("spinner")).events;
  expect(event).toMatchObject({ worker: "spinner", outcome: "exceededCpu", trigger: "other", logs: [], exceptions: [] });
  expect((await stored("spinner", "?outcome=error")).events).toHaveLength(1);
  // One incident suspends it here (OUTPOST_SUSPEND_AFTER=1): the requests it is not run for are stored too.
  await waitUntil(async () => (await platform.fetchWorker("spinner", "/refused").catch(() => ({ status: 0 }))).status === 503, 15_000);
  await waitUntil(async () => (await stored("spinner", "?outcome=suspended").catch(() => null))?.events.length >= 1, 10_000);
  expect((await stored("spinner", "?outcome=suspended")).events[0]).toMatchObject({ outcome: "suspended", method: "GET", path: "/refused", status: 503 });
});

it("a fetch through a service binding is stored as the target's invocation, with its lines; the caller's response carries no capture", async () => {
  const entry = await workerFile(APP);
  await platform.deploy("backend", entry, { observability: { enabled: true } });
  const front = `export default {
    async fetch(request, env) {
      const answer = await env.BACKEND.fetch("http://backend/via-binding");
      return Response.json({ text: await answer.text(), headers: [...answer.headers.keys()] });
    },
  };`;
  await platform.deploy("frontend", await workerFile(front), { services: { BACKEND: { service: "backend" } } });
  const response = await platform.fetchWorker("frontend");
  expect(response.status).toBe(200);
  const body = JSON.parse(response.text);
  expect(body.text).toBe("ok /via-binding");
  expect(body.headers.filter((/** @type {string} */ name) => name.startsWith("x-outpost"))).toEqual([]);
  await waitUntil(async () => (await stored("backend")).events.length === 1, 10_000);
  const [event] = (await stored("backend")).events;
  expect(event).toMatchObject({ trigger: "fetch", outcome: "ok", method: "GET", path: "/via-binding", status: 200 });
  expect(event.logs).toEqual([{ at: expect.any(String), level: "info", message: "hello /via-binding" }]);
  expect((await stored("frontend")).events).toEqual([]);
});

it("a logged response reaches the client as the worker made it: no body (204), a small body, a large streamed one", async () => {
  const source = `export default {
    fetch(request) {
      const path = new URL(request.url).pathname;
      console.log("answering", path);
      if (path === "/empty") return new Response(null, { status: 204, headers: { "x-kept": "1" } });
      if (path === "/large") return new Response("y".repeat(200 * 1024));
      return new Response("small body", { status: 201, statusText: "Made" });
    },
  };`;
  await platform.deploy("shapes", await workerFile(source), { observability: { enabled: true } });
  const empty = await platform.fetchWorker("shapes", "/empty");
  expect([empty.status, empty.text, empty.headers["x-kept"], empty.headers["x-outpost-log-capture"]]).toEqual([204, "", "1", undefined]);
  const small = await platform.fetchWorker("shapes", "/small");
  expect([small.status, small.text, small.headers["content-length"], small.headers["x-outpost-log-capture"]]).toEqual([201, "small body", "10", undefined]);
  const large = await platform.fetchWorker("shapes", "/large");
  expect([large.status, large.text.length, large.headers["x-outpost-log-capture"]]).toEqual([200, 200 * 1024, undefined]);
  await waitUntil(async () => (await stored("shapes")).events.length === 3, 10_000);
  const messages = (await stored("shapes")).events.flatMap((/** @type {any} */ e) => e.logs.map((/** @type {any} */ l) => l.message));
  expect(messages.sort()).toEqual(["answering /empty", "answering /large", "answering /small"]);
});

it("a promise rejected and never handled is stored with its invocation as an exception, after the response", async () => {
  const source = `export default {
    fetch(request, env, ctx) {
      console.log("answering first");
      // Rejected after the response, with nobody listening: the runtime's unhandledrejection.
      ctx.waitUntil(new Promise((resolve) => setTimeout(() => { Promise.reject(new TypeError("nobody caught me")); resolve(); }, 50)));
      return new Response("answered");
    },
  };`;
  await platform.deploy("floating", await workerFile(source), { observability: { enabled: true } });
  const response = await platform.fetchWorker("floating");
  expect([response.status, response.text]).toEqual([200, "answered"]);
  await waitUntil(async () => (await stored("floating")).events.some((/** @type {any} */ e) => e.exceptions.length > 0), 10_000);
  const events = (await stored("floating")).events;
  expect(events.flatMap((/** @type {any} */ e) => e.exceptions.map((/** @type {any} */ x) => [x.name, x.message]))).toEqual([
    ["TypeError", "nobody caught me"],
  ]);
  expect(events.flatMap((/** @type {any} */ e) => e.logs.map((/** @type {any} */ l) => l.message))).toEqual(["answering first"]);
});
