// Queues across hosts and crashes, on a Postgres started here (so hosts can be killed without
// taking the database with them): two hosts compete for one queue and no message is handed to
// both while its lease holds; a host killed with SIGKILL mid-batch (workerd and the CLI) loses
// nothing, and the restarted host delivers the rest.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../cli/postgres.js";
import { startRecorder } from "../helpers/recorder.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

// Reports each batch it starts and finishes; SLEEP_MS in between.
const CONSUMER = `export default {
  async queue(batch, env) {
    const report = (kind) => fetch(env.RECORDER + "/" + kind, { method: "POST", body: JSON.stringify(batch.messages.map((m) => ({ id: m.id, attempts: m.attempts }))) });
    await report("begin");
    await new Promise((resolve) => setTimeout(resolve, env.SLEEP_MS));
    await report("done");
  },
};`;

const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");
/** @type {{ url: string, stop: () => Promise<void> }} */
let pg;
/** @type {string} */
let pgDir;
/** @type {import("../helpers/recorder.js").Recorder} */
let recorder;

beforeAll(async () => {
  pgDir = await mkdtemp(join(tmpdir(), "outpost-test-pg-"));
  await chmod(pgDir, 0o711); // Postgres may run as another user (see cli/postgres.js)
  pg = await startEmbeddedPostgres(pgDir, () => {});
  recorder = await startRecorder();
});
afterAll(async () => {
  await recorder?.close();
  await pg?.stop();
  await rm(pgDir, { recursive: true, force: true });
});

/** @param {string} kind @returns {{ id: string, attempts: number }[]} */
const reported = (kind) => recorder.records(kind).flat();

/** @param {import("../helpers/platform.js").Platform} host @param {string} queue @param {number} count @param {string} tag */
async function publish(host, queue, count, tag) {
  for (let start = 0; start < count; start += 100) {
    const messages = Array.from({ length: Math.min(100, count - start) }, (_, i) => ({ body: { tag, n: start + i } }));
    const response = await host.admin("POST", `/v1/queues/${queue}/messages`, { messages });
    expect(response.status).toBe(201);
  }
}

describe("two hosts, one queue", () => {
  /** @type {import("../helpers/platform.js").Platform[]} */
  const hosts = [];
  beforeAll(async () => {
    // One workerd process per host: each host's tick report (what it delivered) is one process's.
    const env = { DATABASE_URL: pg.url, OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow, OUTPOST_PROCESSES: "1" };
    hosts.push(...(await Promise.all([startPlatform({ env }), startPlatform({ env })])));
    await hosts[0]?.deploy("competitor", await workerFile(CONSUMER), {
      vars: { RECORDER: `${recorder.url}/shared`, SLEEP_MS: 20 },
      queues: {
        consumers: [
          { queue: "shared", maxBatchSize: 5, maxBatchTimeout: 0 },
          { queue: "pull-shared", type: "http_pull" },
        ],
      },
    });
  });
  afterAll(() => Promise.all(hosts.map((host) => host.stop())));

  it("push: every message is delivered exactly once, by one host or the other, never both", async () => {
    const [first, second] = /** @type {[import("../helpers/platform.js").Platform, import("../helpers/platform.js").Platform]} */ (hosts);
    // Both hosts' schedulers know the consumer before anything is sent.
    for (const host of hosts) {
      await waitUntil(async () => (await host.admin("POST", "/v1/maintenance/tick")).body.queues.some((/** @type {any} */ q) => q.queue === "shared"), 10_000);
    }
    await Promise.all([publish(first, "shared", 150, "a"), publish(second, "shared", 150, "b")]);
    await waitUntil(() => new Set(reported("shared/done").map((m) => m.id)).size === 300, 30_000);
    const begun = reported("shared/begin");
    expect(begun.length).toBe(300); // no message began twice
    expect(new Set(begun.map((m) => m.id)).size).toBe(300);
    expect(begun.every((m) => m.attempts === 1)).toBe(true);
    const delivered = await Promise.all(
      hosts.map(async (host) => (await host.admin("POST", "/v1/maintenance/tick")).body.queues.find((/** @type {any} */ q) => q.queue === "shared").delivered),
    );
    expect(delivered[0] + delivered[1]).toBe(300);
    expect(delivered.every((n) => n > 0)).toBe(true); // both hosts took part
  });

  it("pull: concurrent receives on both hosts never return the same message while its lease holds", async () => {
    const [first] = /** @type {[import("../helpers/platform.js").Platform]} */ (hosts);
    await publish(first, "pull-shared", 100, "p");
    const pulls = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        hosts[i % 2]?.admin("POST", "/v1/queues/pull-shared/messages/pull", { batch_size: 10, visibility_timeout_ms: 60_000 }),
      ),
    );
    const ids = pulls.flatMap((pull) => pull?.body.messages.map((/** @type {{ id: string }} */ m) => m.id));
    expect(ids.length).toBe(100);
    expect(new Set(ids).size).toBe(100);
  });
});

describe("kill -9 in the middle of a batch", () => {
  it("crash: no message is lost, and the restarted host delivers the rest", async () => {
    // A database of its own, so no other host competes for the messages.
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
    await admin`CREATE DATABASE crash`;
    await admin.end();
    const env = { DATABASE_URL: pg.url.replace(/\/outpost$/, "/crash"), OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow, OUTPOST_PROCESSES: "1" };
    const dataDir = await mkdtemp(join(tmpdir(), "outpost-test-crash-"));
    const doomed = await startPlatform({ env, dataDir });
    await doomed.deploy("slow", await workerFile(CONSUMER), {
      vars: { RECORDER: `${recorder.url}/crash`, SLEEP_MS: 1500 },
      queues: { consumers: [{ queue: "crash", maxBatchSize: 10, maxBatchTimeout: 0, maxConcurrency: 1 }] },
    });
    await publish(doomed, "crash", 50, "c");
    await waitUntil(() => reported("crash/begin").length > 0, 10_000);
    await killHost(dataDir);
    const doneBeforeCrash = new Set(reported("crash/done").map((m) => m.id));
    expect(doneBeforeCrash.size).toBeLessThan(50);

    const restarted = await startPlatform({ env, dataDir });
    try {
      await waitUntil(() => new Set(reported("crash/done").map((m) => m.id)).size === 50, 45_000);
      await waitUntil(
        async () => (await restarted.admin("GET", "/v1/queues")).body.queues.find((/** @type {any} */ q) => q.name === "crash")?.depth === 0,
        10_000,
      );
      // The batch that was running when the host died came back for another attempt.
      expect(reported("crash/begin").some((m) => m.attempts === 2)).toBe(true);
      const { delivered } = (await restarted.admin("POST", "/v1/maintenance/tick")).body.queues.find((/** @type {any} */ q) => q.queue === "crash");
      expect(delivered).toBe(50 - doneBeforeCrash.size);
    } finally {
      await restarted.stop();
    }
  }, 90_000);
});

/**
 * SIGKILL to every process of the host using `dataDir` (the CLI, the pool supervisor and the workerd
 * processes all name it on their command line).
 * @param {string} dataDir
 */
async function killHost(dataDir) {
  const { stdout } = await promisify(execFile)("ps", ["-eo", "pid=,args="]);
  const pids = stdout
    .split("\n")
    .filter((line) => line.includes(dataDir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  expect(pids.length).toBe(4); // the CLI, the pool supervisor, one workerd process and the probation process
  for (const pid of pids) process.kill(pid, "SIGKILL");
  await waitUntil(() => pids.every((pid) => !alive(pid)), 5_000);
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
