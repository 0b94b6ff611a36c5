// The embedded Postgres fails under a light write load: killed (-9), the platform starts it again
// and serves by itself; paused (SIGSTOP), requests fail fast with 503-class answers instead of
// hanging, and serving resumes once it runs again (SIGCONT). Either way every KV write that was
// acknowledged to a client is in the database afterwards, and /readyz says what happened while
// /healthz (liveness, which the watchdog probes) never fails. Loopback only.
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {number[]} processes this file stopped, continued in afterAll whatever happened */
const paused = [];

const WORKER = `
export default {
  async fetch(request, env) {
    const key = new URL(request.url).searchParams.get("key");
    try {
      await env.KV.put(key, "value of " + key);
      return new Response("ok");
    } catch (error) {
      return new Response(error.message, { status: 503 });
    }
  },
};`;

/** Longer than any answer may take while the database is away (a database call gives up at 5 s). */
const HANG_MS = 15_000;

/** A request, or `{ status: 0, hung: true }` when it has no answer within HANG_MS. @param {() => Promise<{ status: number, text: string }>} send */
async function bounded(send) {
  let timer;
  const hung = new Promise((resolve) => (timer = setTimeout(() => resolve({ status: 0, text: "", hung: true }), HANG_MS)));
  try {
    return await Promise.race([send().catch((error) => ({ status: -1, text: String(error) })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

const put = (/** @type {string} */ key) => bounded(() => platform.fetchWorker("faults", `/?key=${encodeURIComponent(key)}`, { method: "POST" }));
const readyz = () => bounded(() => httpRequest(platform.adminPort, "127.0.0.1", "/readyz"));
const healthz = () => bounded(() => httpRequest(platform.adminPort, "127.0.0.1", "/healthz"));

/**
 * Two writers putting fresh keys one after another until stopped; `acknowledged` holds every key
 * whose put answered 200.
 * @param {string} prefix
 */
function writeLoad(prefix) {
  /** @type {string[]} */
  const acknowledged = [];
  let running = true;
  const writer = async (/** @type {number} */ id) => {
    for (let i = 0; running; i++) {
      const key = `${prefix}-${id}-${i}`;
      if ((await put(key)).status === 200) acknowledged.push(key);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const writers = [writer(0), writer(1)];
  return {
    acknowledged,
    async stop() {
      running = false;
      await Promise.all(writers);
    },
  };
}

/** The postmaster's pid, from postmaster.pid in the platform's cluster directory. */
async function postmasterPid() {
  const text = await readFile(join(platform.dataDir, "postgres", "postmaster.pid"), "utf8");
  return Number(text.split("\n")[0]);
}

/** The postmaster and its children (backends, background workers): a paused server pauses them all. @param {number} pid */
function serverProcesses(pid) {
  const children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map(Number);
  return [pid, ...children];
}

/** The keys of `acknowledged` whose value is not in the database, read as the cluster's superuser. @param {string[]} acknowledged */
async function missingWrites(acknowledged) {
  const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT convert_from(e.key, 'UTF8') AS key, convert_from(e.value, 'UTF8') AS value
      FROM kv_entries e JOIN kv_namespaces n ON n.id = e.namespace_id WHERE n.name = 'faults-kv'`;
    const stored = new Map(rows.map((row) => [row.key, row.value]));
    return acknowledged.filter((key) => stored.get(key) !== `value of ${key}`);
  } finally {
    await sql.end();
  }
}

/** Polls until a put is acknowledged again (bounded), and says whether it was. */
async function servingAgain() {
  await waitUntil(async () => (await put(`probe-${Date.now()}`)).status === 200, 60_000);
  return true;
}

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  await platform.deploy("faults", await workerFile(WORKER), { kv: { KV: "faults-kv" } });
  expect((await put("first")).status).toBe(200);
});
afterAll(async () => {
  for (const pid of paused.splice(0)) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {}
  }
  await platform?.stop();
});

describe("postgres faults", () => {
  it("postgres killed: the platform restarts it, serves again by itself, /readyz follows, and no acknowledged write is lost", async () => {
    const load = writeLoad("killed");
    await waitUntil(() => load.acknowledged.length >= 20, 30_000);
    const pid = await postmasterPid();
    process.kill(pid, "SIGKILL");

    await waitUntil(async () => (await readyz()).status === 503, 30_000);
    expect((await healthz()).status).toBe(200);
    expect(await servingAgain()).toBe(true);
    const up = await readyz();
    await load.stop();

    expect(up.status).toBe(200);
    expect(JSON.parse(up.text)).toMatchObject({ ok: true, database: { ok: true, latencyMs: expect.any(Number) } });
    expect(await postmasterPid()).not.toBe(pid);
    const lines = platform.events().map((event) => event.msg);
    expect(lines.filter((msg) => /^postgres exited \(SIGKILL\); restarting it$/.test(msg))).toHaveLength(1);
    expect(lines.filter((msg) => /^postgres restarted/.test(msg))).toHaveLength(1);
    expect(load.acknowledged.length).toBeGreaterThan(20);
    expect(await missingWrites(load.acknowledged)).toEqual([]);
  }, 120_000);

  it("postgres paused: requests fail fast with 503-class answers, /healthz stays up, serving resumes by itself, and no acknowledged write is lost", async () => {
    const load = writeLoad("paused");
    await waitUntil(() => load.acknowledged.length >= 20, 30_000);
    const processes = serverProcesses(await postmasterPid());
    for (const pid of processes) {
      process.kill(pid, "SIGSTOP");
      paused.push(pid);
    }
    let answers;
    try {
      answers = {
        put: await put("while-paused"),
        unknownWorker: await bounded(() => platform.fetchWorker("nobody-deployed-this")),
        admin: await bounded(() => platform.admin("GET", "/v1/workers").then((r) => ({ status: r.status, text: JSON.stringify(r.body) }))),
        readyz: await readyz(),
        healthz: await healthz(),
      };
    } finally {
      for (const pid of paused.splice(0)) process.kill(pid, "SIGCONT");
    }
    expect(await servingAgain()).toBe(true);
    await load.stop();

    expect(answers.put).toMatchObject({ status: 503, text: "KV PUT failed: 500 Internal Server Error" });
    // A process that holds the routing table answers from memory (unknown names cost no query);
    // one that has yet to read it needs the database. Either way, at once.
    expect([
      { status: 404, text: "No worker is deployed at nobody-deployed-this.localhost. Workers answer at NAME.localhost.\n" },
      { status: 503, text: "The platform's database is unavailable; try again shortly.\n" },
    ]).toContainEqual({ status: answers.unknownWorker.status, text: answers.unknownWorker.text });
    expect(answers.admin.status).toBe(503);
    expect(JSON.parse(answers.admin.text)).toEqual({ error: { code: "ERR_DATABASE_UNAVAILABLE", message: "The database is unavailable; try again shortly." } });
    expect(answers.readyz.status).toBe(503);
    expect(JSON.parse(answers.readyz.text)).toMatchObject({ ok: false, database: { ok: false, error: "unavailable" } });
    expect(answers.healthz.status).toBe(200);
    expect((await readyz()).status).toBe(200);
    expect(await missingWrites(load.acknowledged)).toEqual([]);
  }, 120_000);

  it("postgres faults: the repeated failures were logged once per interval with a count, not once each", () => {
    const failures = platform.events().filter((event) => event.src === "runner" && /database (is unavailable|failed)/.test(event.msg));
    expect(failures.some((event) => typeof event.repeated === "number" && event.repeated > 0)).toBe(true);
  });
});
