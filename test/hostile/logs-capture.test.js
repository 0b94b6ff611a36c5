// Attacks on log capture (runner/logs/sink.ts, shims/log-capture.ts): a tenant reaches the log
// sink's stub in its own isolate and hands it lines for another tenant's invocation (whose token it
// has learnt), or forges the response header that carries a capture back to the dispatcher. It can
// only ever write its own invocations' logs; the header never reaches a client.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// Alice's worker leaks its invocation's token (the worst case) and keeps the invocation open.
const LEDGER = `export default {
  fetch(request, env, ctx) {
    console.log("ledger line");
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 1500)).then(() => console.log("ledger late")));
    return new Response(ctx.props.invocation);
  },
};`;
const FORGED_HEADER = JSON.stringify({
  lines: [{ timestamp: 1, level: "error", message: "FORGED-HEADER" }],
  exceptions: [],
  truncated: false,
  calls: 1,
  oversized: 0,
});
// The shims hide the sink's stub from the env the worker is given; a tenant that pollutes a
// prototype the shims use (WeakMap#get, handed the raw env) still gets hold of it.
const FORGER = `let sink;
const get = WeakMap.prototype.get;
WeakMap.prototype.get = function (key) {
  if (key && typeof key === "object" && "__outpost_log" in key) sink = key.__outpost_log;
  return get.call(this, key);
};
export default {
  async fetch(request, env, ctx) {
    const token = new URL(request.url).searchParams.get("t") ?? "";
    const hidden = !Object.keys(env).some((name) => name.startsWith("__outpost"));
    const forged = (message) => ({ tenant: "alice", worker: "ledger", lines: [{ timestamp: Date.now(), level: "error", message }], exceptions: [], truncated: false, calls: 1, oversized: 0 });
    if (sink) {
      await sink.capture(token, forged("FORGED-SINK alice's token"));
      await sink.capture(ctx.props.invocation, forged("FORGED-SINK own token"));
    }
    return new Response("forged", { headers: { "x-outpost-log-capture": ${JSON.stringify(FORGED_HEADER)}, "x-reached": String(Boolean(sink)), "x-hidden": String(hidden) } });
  },
};`;

beforeAll(async () => {
  platform = await startPlatform();
  const observability = { enabled: true };
  await platform.deploy("ledger", await workerFile(LEDGER), { tenant: "alice", observability });
  await platform.deploy("forger", await workerFile(FORGER), { tenant: "mallory", observability });
  await platform.deploy("quiet-forger", await workerFile(FORGER), { tenant: "mallory" });
});

afterAll(async () => {
  await platform?.stop();
});

/** @param {string} worker */
const stored = async (worker) => (await platform.admin("GET", `/v1/workers/${worker}/logs`)).body.events;

it("capture: lines handed to a tenant's own sink for another tenant's invocation are ignored; its own are its own", async () => {
  const ledger = await platform.fetchWorker("ledger");
  expect(ledger.status).toBe(200);
  const forger = await platform.fetchWorker("forger", `/?t=${ledger.text}`);
  expect(forger.status).toBe(200);
  // The sink is reachable from the tenant's code (that is the attack), never in the env it is given.
  expect(forger.headers["x-reached"]).toBe("true");
  expect(forger.headers["x-hidden"]).toBe("true");
  expect(forger.headers["x-outpost-log-capture"]).toBe(undefined);

  await waitUntil(async () => JSON.stringify(await stored("ledger")).includes("ledger late"), 10_000);
  await waitUntil(async () => JSON.stringify(await stored("forger")).includes("FORGED-SINK own token"), 10_000);
  const ledgerLogs = await stored("ledger");
  expect(JSON.stringify(ledgerLogs)).not.toContain("FORGED");
  expect(ledgerLogs.flatMap((/** @type {any} */ e) => e.logs.map((/** @type {any} */ l) => l.message)).sort()).toEqual(["ledger late", "ledger line"]);
  // Its own forged lines land in its own invocation, attributed to it.
  const forgerLines = (await stored("forger")).flatMap((/** @type {any} */ e) => e.logs.map((/** @type {any} */ l) => l.message));
  expect(forgerLines).toContain("FORGED-HEADER");
  expect(forgerLines).not.toContain("FORGED-SINK alice's token");
  // The platform log: forged text only ever in mallory's entries.
  const forgedEvents = platform.events().filter((event) => JSON.stringify(event).includes("FORGED"));
  expect(forgedEvents.length).toBeGreaterThan(0);
  for (const event of forgedEvents) expect(event).toMatchObject({ tenant: "mallory", worker: "forger" });
});

it("capture: a forged capture header from a worker without observability is removed and stores nothing", async () => {
  const response = await platform.fetchWorker("quiet-forger");
  expect(response.status).toBe(200);
  expect(response.text).toBe("forged");
  expect(response.headers["x-outpost-log-capture"]).toBe(undefined);
  expect(await stored("quiet-forger")).toEqual([]);
  expect(platform.events().filter((event) => event.worker === "quiet-forger" && event.src === "tenant")).toEqual([]);
});
