// Cron triggers on two hosts sharing one database: each tick runs exactly once, whichever host
// wins it; running a tick by hand (the admin API) is claimed the same way; a failing handler is
// retried by the host that claimed the tick. Then, on a Postgres of its own, what a host starting
// after downtime runs late.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../cli/postgres.js";
import { startRecorder } from "../helpers/recorder.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Reports every scheduled() call; throws for the crons "fail" and "no-retry", and calls
// controller.noRetry() first for the latter, so their outcomes are recorded.
const TICKER = `export default {
  async scheduled(controller, env) {
    await fetch(env.RECORDER, { method: "POST", body: JSON.stringify({ cron: controller.cron, scheduledTime: controller.scheduledTime }) });
    if (controller.cron === "no-retry") controller.noRetry();
    if (controller.cron === "fail" || controller.cron === "no-retry") throw new Error("failing on purpose");
  },
  fetch() { return new Response("ticker"); },
};`;

const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");
/** @type {import("../helpers/recorder.js").Recorder} */
let recorder;

beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(async () => {
  await recorder?.close();
});

/** @param {import("../helpers/platform.js").Platform} host */
const status = async (host) => (await host.admin("POST", "/v1/maintenance/tick")).body;
/** A recent whole second: runs older than a week are pruned, and with them their claims. */
const thisSecond = () => Math.floor(Date.now() / 1000) * 1000;

describe("cron triggers", () => {
  /** @type {import("../helpers/platform.js").Platform[]} */
  const hosts = [];
  beforeAll(async () => {
    // One workerd process per host: a host's tick report (POST /v1/maintenance/tick) is one process's.
    const first = await startPlatform({ env: { OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow, OUTPOST_PROCESSES: "1" } });
    hosts.push(first);
    hosts.push(
      await startPlatform({
        env: { DATABASE_URL: await first.databaseUrl(), OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow, OUTPOST_PROCESSES: "1" },
      }),
    );
    await first.deploy("ticker", await workerFile(TICKER), { vars: { RECORDER: `${recorder.url}/scheduled` }, crons: ["* * * * *"] });
  });
  afterAll(async () => {
    for (const host of hosts.reverse()) await host.stop();
  });

  it("scheduled: a tick run by hand on both hosts at once runs once", async () => {
    const tick = { cron: "by-hand", scheduledTime: thisSecond() };
    const results = await Promise.all(hosts.map((host) => host.admin("POST", "/v1/workers/ticker/scheduled", tick)));
    expect(results.map((r) => r.body.claimed).sort()).toEqual([false, true]);
    expect(results.find((r) => r.body.claimed)?.body).toEqual({ worker: "ticker", ...tick, claimed: true, outcome: "ok", attempts: 1 });
    expect(recorder.records("scheduled").filter((r) => r.cron === "by-hand")).toEqual([tick]);
  });

  it("scheduled: a handler that throws is called three times in all, by the host that claimed the tick", async () => {
    const tick = { cron: "fail", scheduledTime: thisSecond() };
    const results = await Promise.all(hosts.map((host) => host.admin("POST", "/v1/workers/ticker/scheduled", tick)));
    const winner = results.findIndex((r) => r.body.claimed);
    expect(results[winner]?.body).toEqual({ worker: "ticker", ...tick, claimed: true, outcome: "exception", attempts: 3 });
    expect(results[1 - winner]?.body).toEqual({ worker: "ticker", ...tick, claimed: false });
    expect(recorder.records("scheduled").filter((r) => r.cron === "fail")).toEqual([tick, tick, tick]);
    const at = new Date(tick.scheduledTime).toISOString();
    const logs = () => (hosts[winner]?.events() ?? []).filter((event) => event.src === "runner").map((event) => event.msg);
    // Log lines reach the platform's output a moment after the admin call answers.
    await waitUntil(() => logs().some((msg) => msg.endsWith("giving up")), 5000);
    expect(logs()).toContain(`cron "fail" of worker ticker at ${at}: attempt 1 of 3 ended "exception"; retrying in 1000 ms`);
    expect(logs()).toContain(`cron "fail" of worker ticker at ${at}: attempt 2 of 3 ended "exception"; retrying in 2000 ms`);
    expect(logs()).toContain(`cron "fail" of worker ticker at ${at}: attempt 3 of 3 ended "exception"; giving up`);
    // The run as recorded: what `outpost crons ticker` lists.
    const { runs } = (await hosts[1 - winner]?.admin("GET", "/v1/workers/ticker/scheduled"))?.body;
    expect(runs.find((/** @type {any} */ run) => run.cron === "fail")).toEqual({ ...tick, outcome: "exception", attempts: 3 });
  });

  it("scheduled: a handler that calls controller.noRetry() and throws is called once", async () => {
    const tick = { cron: "no-retry", scheduledTime: thisSecond() };
    const result = await hosts[0]?.admin("POST", "/v1/workers/ticker/scheduled", tick);
    expect(result?.body).toEqual({ worker: "ticker", ...tick, claimed: true, outcome: "exception", attempts: 1 });
    expect(recorder.records("scheduled").filter((r) => r.cron === "no-retry")).toEqual([tick]);
    const expected = `cron "no-retry" of worker ticker at ${new Date(tick.scheduledTime).toISOString()}: attempt 1 of 3 ended "exception"; the handler called noRetry()`;
    const logged = () => (hosts[0]?.events() ?? []).some((event) => event.src === "runner" && event.msg === expected);
    await waitUntil(logged, 5000);
    expect(logged()).toBe(true);
  });

  it("scheduled: recent runs are listed newest first, with outcome and attempts", async () => {
    const { runs } = (await hosts[0]?.admin("GET", "/v1/workers/ticker/scheduled?limit=100"))?.body;
    const byHand = runs.filter((/** @type {any} */ run) => ["by-hand", "fail", "no-retry"].includes(run.cron));
    expect(byHand.map((/** @type {any} */ run) => [run.cron, run.outcome, run.attempts])).toEqual(
      expect.arrayContaining([
        ["by-hand", "ok", 1],
        ["fail", "exception", 3],
        ["no-retry", "exception", 1],
      ]),
    );
    const times = runs.map((/** @type {any} */ run) => run.scheduledTime);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await hosts[0]?.admin("GET", "/v1/workers/ticker/scheduled?limit=1"))?.body.runs).toHaveLength(1);
    expect((await hosts[0]?.admin("GET", "/v1/workers/ticker/scheduled?limit=0"))?.status).toBe(400);
    // The same list from the CLI: one line per run, newest first.
    const host = /** @type {import("../helpers/platform.js").Platform} */ (hosts[0]);
    const env = { ...process.env, OUTPOST_ADMIN_URL: host.adminUrl, OUTPOST_ADMIN_TOKEN: host.token };
    const { stdout } = await promisify(execFile)(process.execPath, ["cli/outpost.js", "crons", "ticker"], { cwd: ROOT, env });
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(lines).toHaveLength(runs.length);
    expect(lines).toEqual(expect.arrayContaining([[expect.stringMatching(/^\d{4}-\d\d-\d\dT/), "fail", "exception", "3 attempts"]]));
    expect(lines.map((line) => Date.parse(line[0] ?? ""))).toEqual(times);
  });

  it("scheduled: another tenant's worker is not found; bad bodies are refused", async () => {
    const { token } = (await hosts[0]?.admin("POST", "/v1/tokens", { name: "other", tenant: "other" }))?.body;
    expect((await hosts[0]?.admin("POST", "/v1/workers/ticker/scheduled", {}, token))?.status).toBe(404);
    expect((await hosts[0]?.admin("GET", "/v1/workers/ticker/scheduled", undefined, token))?.status).toBe(404);
    expect((await hosts[0]?.admin("POST", "/v1/workers/ticker/scheduled", { scheduledTime: "now" }))?.status).toBe(400);
  });

  it("scheduled: a deleted worker's run history goes with it; the next worker of that name starts clean", async () => {
    await hosts[0]?.deploy("short-lived", await workerFile(TICKER), { vars: { RECORDER: `${recorder.url}/short-lived` } });
    await hosts[0]?.admin("POST", "/v1/workers/short-lived/scheduled", { cron: "by-hand", scheduledTime: thisSecond() });
    expect((await hosts[0]?.admin("GET", "/v1/workers/short-lived/scheduled"))?.body.runs).toHaveLength(1);
    expect((await hosts[0]?.admin("DELETE", "/v1/workers/short-lived"))?.status).toBe(204);
    // The name is held for its tenant after a delete, so the next worker of that name is the same tenant's.
    const { bundleWorker } = await import("../../cli/bundle.js");
    expect((await hosts[0]?.admin("PUT", "/v1/workers/short-lived", await bundleWorker(await workerFile(TICKER))))?.status).toBe(201);
    expect((await hosts[0]?.admin("GET", "/v1/workers/short-lived/scheduled"))?.body.runs).toEqual([]);
  });

  it("crons: Cloudflare's extensions (L, W, #, names) are accepted; every host arms the next tick", async () => {
    const crons = ["0 18 * * friL", "59 23 LW * *", "0 10 * * MON#2", "*/30 9-17 * JAN-MAR 2-6", "0 0 1 * *"];
    await hosts[0]?.deploy("calendar", await workerFile(TICKER), { vars: { RECORDER: `${recorder.url}/calendar` }, crons });
    for (const host of hosts) {
      await waitUntil(async () => (await status(host)).crons.filter((/** @type {any} */ c) => c.worker === "calendar").length === crons.length, 10_000);
      const next = (await status(host)).crons.filter((/** @type {any} */ c) => c.worker === "calendar");
      for (const entry of next) expect(Date.parse(entry.next)).toBeGreaterThan(Date.now() - 1000);
    }
  });

  it("crons: each minute's tick of * * * * * runs exactly once across both hosts", async () => {
    const ticks = () => recorder.records("scheduled").filter((r) => r.cron === "* * * * *");
    // Wait for a tick that both hosts reached for: one ran it, the other found it claimed.
    await waitUntil(async () => {
      if (ticks().length === 0) return false;
      const counts = await Promise.all(hosts.map(async (host) => (await status(host)).cronTicks));
      return counts.every((c) => c.reached >= 1) && counts.reduce((sum, c) => sum + c.ran, 0) >= 1;
    }, 75_000);
    const [first] = ticks();
    expect(first.scheduledTime % 60_000).toBe(0);
    expect(ticks().filter((t) => t.scheduledTime === first.scheduledTime)).toHaveLength(1);
    const all = ticks().map((t) => t.scheduledTime);
    expect(new Set(all).size).toBe(all.length); // no tick ran twice, this one or any since
  }, 90_000);
});

// A Postgres started here, so every host on it can be stopped (downtime) and the database kept.
describe("cron triggers after downtime", () => {
  /** @type {{ url: string, stop: () => Promise<void> }} */
  let pg;
  /** @type {string} */
  let pgDir;
  /** @type {import("postgres").Sql} */
  let sql;
  // One workerd process per host: the assertions read one process's tick report (POST /v1/maintenance/tick).
  const env = () => ({ DATABASE_URL: pg.url, OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow, OUTPOST_PROCESSES: "1" });

  beforeAll(async () => {
    pgDir = await mkdtemp(join(tmpdir(), "outpost-test-pg-"));
    await chmod(pgDir, 0o711); // Postgres may run as another user (see cli/postgres.js)
    pg = await startEmbeddedPostgres(pgDir, () => {});
    sql = postgres(pg.url, { onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await pg?.stop();
    await rm(pgDir, { recursive: true, force: true });
  });

  it("crons: a starting host runs the latest missed minute's tick once, not the ten before it nor a tick 5 minutes ago", async () => {
    // A daily cron whose tick was five minutes ago: after the worker's (back-dated) deploy, but
    // outside the minute a starting host looks back.
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    const daily = `${fiveMinutesAgo.getUTCMinutes()} ${fiveMinutesAgo.getUTCHours()} * * *`;
    const first = await startPlatform({ env: env() });
    try {
      await first.deploy("sleeper", await workerFile(TICKER), { vars: { RECORDER: `${recorder.url}/sleeper` }, crons: ["* * * * *", daily] });
    } finally {
      await first.stop();
    }
    // Downtime: as if the worker had been deployed ten minutes ago and no host had run any tick.
    await sql`UPDATE workers SET updated_at = now() - interval '10 minutes' WHERE name = 'sleeper'`;
    await sql`DELETE FROM cron_runs WHERE worker = 'sleeper'`;
    const before = recorder.records("sleeper").length;

    // The host must be up within the minute it is started in, or the tick it runs late is the
    // next minute's: start it early in a minute (a host starts in a few seconds).
    if (Date.now() % 60_000 > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 100));
    const startedAt = Date.now();
    const thisMinute = startedAt - (startedAt % 60_000);
    const host = await startPlatform({ env: env() });
    try {
      /** @returns {Promise<any[]>} */
      const runs = async () => (await host.admin("GET", "/v1/workers/sleeper/scheduled")).body.runs;
      await waitUntil(async () => (await runs()).some((run) => run.outcome !== null), 20_000);
      expect(Date.now() - thisMinute, "the host took too long to start: no tick may come on time yet").toBeLessThan(60_000);
      expect(await runs()).toEqual([{ cron: "* * * * *", scheduledTime: thisMinute, outcome: "ok", attempts: 1 }]);
      expect(recorder.records("sleeper").slice(before)).toEqual([{ cron: "* * * * *", scheduledTime: thisMinute }]);
      // The one tick it reached for is that one: the daily cron's was not even tried. (The host
      // counts a run just after recording it.)
      await waitUntil(async () => (await status(host)).cronTicks.ran > 0, 5000);
      expect((await status(host)).cronTicks).toEqual({ reached: 1, ran: 1 });
    } finally {
      await host.stop();
    }
  }, 120_000);
});
