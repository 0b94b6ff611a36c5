// Cron triggers on two hosts sharing one database: each tick runs exactly once, whichever host
// wins it; running a tick by hand (the admin API) is claimed the same way.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder } from "../helpers/recorder.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

// Reports every scheduled() call; throws for the cron "fail" so its outcome is recorded.
const TICKER = `export default {
  async scheduled(controller, env) {
    await fetch(env.RECORDER, { method: "POST", body: JSON.stringify({ cron: controller.cron, scheduledTime: controller.scheduledTime }) });
    if (controller.cron === "fail") throw new Error("failing on purpose");
  },
  fetch() { return new Response("ticker"); },
};`;

const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");
/** @type {import("../helpers/platform.js").Platform[]} */
const hosts = [];
/** @type {import("../helpers/recorder.js").Recorder} */
let recorder;

beforeAll(async () => {
  recorder = await startRecorder();
  const first = await startPlatform({ env: { OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow } });
  hosts.push(first);
  hosts.push(await startPlatform({ env: { DATABASE_URL: await first.databaseUrl(), OUTPOST_MASTER_KEY, OUTPOST_EGRESS_ALLOW: recorder.allow } }));
  await first.deploy("ticker", await workerFile(TICKER), { vars: { RECORDER: `${recorder.url}/scheduled` }, crons: ["* * * * *"] });
});
afterAll(async () => {
  for (const host of hosts.reverse()) await host.stop();
  await recorder?.close();
});

/** @param {import("../helpers/platform.js").Platform} host */
const status = async (host) => (await host.admin("POST", "/v1/maintenance/tick")).body;

describe("cron triggers", () => {
  it("scheduled: a tick run by hand on both hosts at once runs once", async () => {
    // A recent time: runs older than a week are pruned, and with them their claims.
    const tick = { cron: "by-hand", scheduledTime: Math.floor(Date.now() / 1000) * 1000 };
    const results = await Promise.all(hosts.map((host) => host.admin("POST", "/v1/workers/ticker/scheduled", tick)));
    expect(results.map((r) => r.body.claimed).sort()).toEqual([false, true]);
    expect(results.find((r) => r.body.claimed)?.body).toEqual({ worker: "ticker", ...tick, claimed: true, outcome: "ok" });
    expect(recorder.records("scheduled").filter((r) => r.cron === "by-hand")).toEqual([tick]);
  });

  it("scheduled: a handler that throws is reported as an exception", async () => {
    const result = await hosts[0]?.admin("POST", "/v1/workers/ticker/scheduled", { cron: "fail" });
    expect(result?.body).toMatchObject({ claimed: true, outcome: "exception" });
  });

  it("scheduled: another tenant's worker is not found; bad bodies are refused", async () => {
    const { token } = (await hosts[0]?.admin("POST", "/v1/tokens", { name: "other", tenant: "other" }))?.body;
    expect((await hosts[0]?.admin("POST", "/v1/workers/ticker/scheduled", {}, token))?.status).toBe(404);
    expect((await hosts[0]?.admin("POST", "/v1/workers/ticker/scheduled", { scheduledTime: "now" }))?.status).toBe(400);
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
