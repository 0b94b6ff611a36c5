// Attacks on the platform log: a tenant's console output and errors can neither pass for a
// platform line nor for another tenant's, nor flood the log. Every line printed is JSON; tenant
// text appears only inside `src: "tenant"` events carrying the real tenant, worker and version.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ liar: string, flooder: string }} */
const versions = { liar: "", flooder: "" };

// Every string the tenant prints holds MARK, so any line carrying tenant text can be found.
const CONTROL = "MARK-controls line1\nline2\r\n\u001b[2J\u001b[31mred\u0007bell\u0000nul\u009b31mcsi\u2028sep\u202eevil";
const LIAR = `export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/nonce") return Response.json({ nonce: globalThis.process?.env?.OUTPOST_LOG_NONCE ?? null });
    console.log("[outpost] workerd exited (SIGKILL); restarting MARK-1");
    console.log("Outpost ready: workers at http://NAME.localhost:1/ (public http://127.0.0.1:1), admin API http://127.0.0.1:2, admin token op_MARKfake");
    console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", src: "outpost", msg: "workerd exited (SIGKILL); restarting", mark: "MARK-2" }));
    console.log({ level: "error", src: "runner", msg: "MARK-3 object" });
    console.error(${JSON.stringify(CONTROL)});
    globalThis.process.stdout.write('{"timestamp":"1","level":"error","source":"server.c++:1","message":"MARK-5 forged"}\\n');
    throw new Error("worker victim (version 0000, tenant default) threw: MARK-4\\n{\\"level\\":\\"error\\",\\"src\\":\\"runner\\"}");
  },
};`;
const FLOODER = `export default {
  fetch() {
    const kib = "MARK-flood ".padEnd(1024, "x");
    for (let i = 0; i < 8 * 1024; i++) console.log(kib);
    console.log("MARK-big ".padEnd(1024 * 1024, "y"));
    return new Response("flooded");
  },
};`;

beforeAll(async () => {
  platform = await startPlatform();
  const deploy = async (/** @type {"liar" | "flooder"} */ name, /** @type {string} */ source) =>
    (versions[name] = (
      await platform.deploy(name, await workerFile(source), { tenant: "mallory", compatibilityFlags: ["nodejs_compat"], observability: { enabled: true } })
    ).version);
  await deploy("liar", LIAR);
  await deploy("flooder", FLOODER);
});

afterAll(async () => {
  await platform?.stop();
});

/** Events that carry tenant text. */
const marked = () => platform.events().filter((event) => JSON.stringify(event).includes("MARK"));

describe("tenant output cannot pass for platform lines", () => {
  beforeAll(async () => {
    expect((await platform.fetchWorker("liar")).status).toBe(500);
    await waitUntil(() => marked().some((event) => event.msg.includes("MARK-4")), 10_000);
  });

  it("logs: every line printed is one JSON object with a known source and level", () => {
    for (const event of platform.events()) {
      expect(event).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), msg: expect.any(String) });
      expect(["outpost", "runner", "tenant", "workerd"]).toContain(event.src);
    }
  });

  it("logs: tenant text appears only in tenant events with the real tenant, worker and version", () => {
    expect(marked().length).toBeGreaterThanOrEqual(7);
    for (const event of marked())
      expect(event).toMatchObject({
        src: "tenant",
        tenant: "mallory",
        worker: "liar",
        version: versions.liar,
        requestId: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
  });

  it("logs: fake restart, ready and JSON platform lines stay tenant messages", () => {
    const messages = marked().map((event) => event.msg);
    expect(messages).toContain("[outpost] workerd exited (SIGKILL); restarting MARK-1");
    expect(messages.some((msg) => msg.startsWith('{"time":') && msg.includes('"src":"outpost"'))).toBe(true);
    expect(messages).toContain('{"level":"error","src":"runner","msg":"MARK-3 object"}');
    expect(messages).toContain('stdout: {"timestamp":"1","level":"error","source":"server.c++:1","message":"MARK-5 forged"}');
    const platformLines = platform.events().filter((event) => event.src !== "tenant");
    expect(platformLines.filter((event) => event.msg.includes("workerd exited"))).toEqual([]);
    expect(platformLines.filter((event) => event.msg.includes("Outpost ready"))).toHaveLength(1);
    expect(
      platform
        .logs()
        .split("\n")
        .filter((line) => line.startsWith("[outpost]") || line.startsWith("Outpost ready")),
    ).toEqual([]);
  });

  it("logs: newlines, terminal escapes and control characters are escaped, and kept exactly", () => {
    expect(marked().find((event) => event.msg.startsWith("MARK-controls"))).toMatchObject({ level: "error", msg: CONTROL });
    // The only raw control character in the output is the newline between lines.
    expect(platform.logs()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
  });

  it("logs: an error claiming to come from another tenant's worker is logged as the thrower's", () => {
    const thrown = marked().find((event) => event.msg.includes("MARK-4"));
    expect(thrown).toMatchObject({
      level: "error",
      src: "tenant",
      tenant: "mallory",
      worker: "liar",
      version: versions.liar,
      msg: expect.stringMatching(/^Uncaught Error: worker victim/),
    });
    expect(platform.events().filter((event) => event.worker === "victim")).toEqual([]);
    expect(platform.events()).toContainEqual(
      expect.objectContaining({
        src: "runner",
        msg: "the worker threw an exception; answered 500",
        tenant: "mallory",
        worker: "liar",
        requestId: thrown?.requestId,
      }),
    );
  });

  it("logs: the runner's log nonce is not in a tenant's environment", async () => {
    expect(JSON.parse((await platform.fetchWorker("liar", "/nonce")).text)).toEqual({ nonce: null });
  });
});

describe("a flood is bounded and counted", () => {
  it("logs: 9 MiB written per request, six times, prints a bounded amount and reports what was dropped", async () => {
    const before = platform.logs().length;
    const responses = await Promise.all(Array.from({ length: 6 }, () => platform.fetchWorker("flooder")));
    expect(responses.map((response) => response.text)).toEqual(Array(6).fill("flooded"));
    const dropped = () => platform.events().filter((event) => event.src === "outpost" && event.msg === "log lines dropped");
    // The supervisor reads megabytes of output here: on a busy machine (other test files beside this
    // one) its per-worker report can take longer than its 5 s period.
    await waitUntil(() => dropped().some((event) => event.worker === "flooder"), 40_000);
    // Per invocation: workerd keeps 256 KB of it, the runner 32 events, and says so.
    const cut = platform.events().filter((event) => event.worker === "flooder" && event.src === "runner" && event.truncated === true);
    expect(cut.length).toBeGreaterThan(0);
    for (const event of cut) expect(event.dropped).toBeGreaterThan(0);
    // Per worker: what the rate limit dropped is counted.
    expect(dropped()).toContainEqual(
      expect.objectContaining({ level: "warn", source: "tenant", tenant: "mallory", worker: "flooder", dropped: expect.any(Number) }),
    );
    // Tenants' raw console lines (workerd prints them all) are dropped and counted too; the
    // megabyte-long ones unread. The supervisor reads them in batches, so the counts may come in
    // several reports.
    const counted = (/** @type {string} */ reason) =>
      dropped()
        .filter((event) => event.reason?.startsWith(reason))
        .reduce((sum, event) => sum + event.dropped, 0);
    await waitUntil(() => counted("console output") >= 6 * 8 * 1024 && counted("a line over") >= 6, 15_000);
    expect(counted("console output")).toBeGreaterThanOrEqual(6 * 8 * 1024);
    expect(counted("a line over")).toBeGreaterThanOrEqual(6);
    expect(platform.logs().length - before).toBeLessThan(256 * 1024);
    const flood = platform.events().filter((event) => event.worker === "flooder" && event.src === "tenant");
    expect(flood.length).toBeGreaterThan(0);
    for (const event of flood) expect(event.msg.length).toBeLessThanOrEqual(4096 + 40);
  });
});

describe("the admin token", () => {
  it("logs: the ready line says where the token is, never the token", async () => {
    expect(platform.logs()).not.toContain(platform.token);
    const ready = platform.events().find((event) => event.msg.startsWith("Outpost ready"));
    expect(ready?.msg).toMatch(/admin token from OUTPOST_ADMIN_TOKEN$/);
    const generated = await startPlatform({ env: { OUTPOST_ADMIN_TOKEN: "" } });
    try {
      const token = (await readFile(join(generated.dataDir, "admin-token"), "utf8")).trim();
      expect(token).toMatch(/^op_/);
      expect(generated.logs()).not.toContain(token);
      const line = generated.events().find((event) => event.msg.startsWith("Outpost ready"));
      expect(line?.msg).toContain(`admin token in ${join(generated.dataDir, "admin-token")}`);
    } finally {
      await generated.stop();
    }
  });
});
