// The platform as a user sees it: deploy over the admin API, then HTTP to NAME.localhost.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../cli/net.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

describe("serving", () => {
  it("deploy: the worker answers at NAME.localhost with its vars and KV", async () => {
    const entry = await workerFile(`export default {
      async fetch(request, env) {
        await env.DATA.put("seen", "yes");
        return Response.json({ greeting: env.GREETING, limits: env.LIMITS, seen: await env.DATA.get("seen") });
      },
    };`);
    const result = await platform.deploy("greeter", entry, { vars: { GREETING: "hi", LIMITS: { max: 3 } }, kv: { DATA: "greeter-data" } });
    expect(result).toMatchObject({ worker: "greeter", tenant: "default", changed: true });
    expect(result.version).toMatch(/^[0-9a-f]{64}$/);
    const response = await platform.fetchWorker("greeter");
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ greeting: "hi", limits: { max: 3 }, seen: "yes" });
  });

  it("deploy: redeploying identical code is idempotent and still serves", async () => {
    const entry = await workerFile(`export default { fetch() { return new Response("same"); } };`);
    const first = await platform.admin("PUT", "/v1/workers/same", await bundle(entry));
    const second = await platform.admin("PUT", "/v1/workers/same", await bundle(entry));
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ ...first.body, changed: false });
    expect((await platform.fetchWorker("same")).text).toBe("same");
  });

  it("deploy: a new version is served on the next request", async () => {
    for (const text of ["one", "two", "three"]) {
      await platform.deploy("flip", await workerFile(`export default { fetch() { return new Response(${JSON.stringify(text)}); } };`));
      expect((await platform.fetchWorker("flip")).text).toBe(text);
    }
  });

  it("dispatch: an unknown host gets 404 with a clear body", async () => {
    const response = await platform.fetchWorker("nobody-here");
    expect(response.status).toBe(404);
    expect(response.text).toBe(`No worker is deployed at nobody-here.localhost. Workers answer at NAME.localhost.\n`);
  });

  it("dispatch: a worker with observability on that throws gets 500 and the log names worker and version", async () => {
    const entry = await workerFile(`export default { fetch() { throw new Error("kaboom-4711"); } };`);
    const { version } = await platform.deploy("thrower", entry, { observability: { enabled: true } });
    const response = await platform.fetchWorker("thrower");
    expect(response.status).toBe(500);
    expect(response.text).not.toContain("kaboom");
    const thrown = () => platform.events().find((event) => event.msg?.includes("kaboom-4711"));
    await waitUntil(() => thrown() !== undefined, 5000);
    expect(thrown()).toMatchObject({ level: "error", src: "tenant", tenant: "default", worker: "thrower", version, msg: "Uncaught Error: kaboom-4711" });
  });

  it("logs: without observability a worker's console output and exceptions stay out of the log; the 500 is logged", async () => {
    const entry = await workerFile(`export default { fetch() { console.log("quiet-5150"); throw new Error("quiet-kaboom-5150"); } };`);
    const { version } = await platform.deploy("quiet", entry);
    const loud = await platform.deploy("loud", await workerFile(`export default { fetch() { console.log("loud-5150"); return new Response("ok"); } };`), {
      observability: { enabled: true },
    });
    expect((await platform.fetchWorker("quiet")).status).toBe(500);
    expect((await platform.fetchWorker("loud")).status).toBe(200);
    // The observed worker's line arrives through its tail; by then the quiet one's would have too.
    await waitUntil(() => platform.events().some((event) => event.msg === "loud-5150"), 5000);
    expect(platform.events().find((event) => event.msg === "loud-5150")).toMatchObject({ src: "tenant", worker: "loud", version: loud.version });
    await waitUntil(() => platform.events().some((event) => event.msg === "the worker threw an exception; answered 500" && event.worker === "quiet"), 5000);
    expect(platform.events().find((event) => event.worker === "quiet" && event.msg === "the worker threw an exception; answered 500")).toMatchObject({
      src: "runner",
      version,
    });
    expect(platform.logs()).not.toContain("quiet-5150");
    expect(platform.logs()).not.toContain("quiet-kaboom-5150");
  });

  it("dispatch: ctx.waitUntil work finishes after the response", async () => {
    const entry = await workerFile(`export default {
      async fetch(request, env, ctx) {
        if (new URL(request.url).pathname === "/later") {
          ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 200)).then(() => env.KV.put("later", "done")));
          return new Response("accepted");
        }
        return new Response(await env.KV.get("later") ?? "not yet");
      },
    };`);
    await platform.deploy("later", entry, { kv: { KV: "later" } });
    expect((await platform.fetchWorker("later", "/later")).text).toBe("accepted");
    await waitUntil(async () => (await platform.fetchWorker("later", "/")).text === "done", 5000);
  });

  it("dispatch: class-based WorkerEntrypoint default exports get the KV binding", async () => {
    const entry = await workerFile(`import { WorkerEntrypoint } from "cloudflare:workers";
      export default class extends WorkerEntrypoint {
        async fetch() {
          await this.env.KV.put("k", "from-class");
          return new Response(await this.env.KV.get("k"));
        }
      }`);
    await platform.deploy("classy", entry, { kv: { KV: "classy" } });
    expect((await platform.fetchWorker("classy")).text).toBe("from-class");
  });
});

describe("lifecycle", () => {
  it("start: a restarted host keeps workers and KV data", async () => {
    const host = await startPlatform();
    try {
      const entry = await workerFile(`export default { async fetch(r, env) {
        const n = Number(await env.C.get("n") ?? 0) + 1; await env.C.put("n", String(n)); return new Response(String(n)); } };`);
      await host.deploy("persist", entry, { kv: { C: "persist" } });
      expect((await host.fetchWorker("persist")).text).toBe("1");
      await host.stop({ keepData: true });
      const again = await startPlatform({ dataDir: host.dataDir });
      try {
        expect((await again.fetchWorker("persist")).text).toBe("2");
      } finally {
        await again.stop();
      }
    } finally {
      await host.stop();
    }
  });

  it("start: every workerd process is restarted after a crash and serves again", async () => {
    await platform.deploy("survivor", await workerFile(`export default { fetch() { return new Response("alive"); } };`));
    const pids = execFileSync("pgrep", ["-f", `workerd serve ${platform.dataDir}/workerd/config.capnp`], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(pids.length).toBeGreaterThanOrEqual(2); // the pool: at least two processes by default
    for (const pid of pids) process.kill(Number(pid), "SIGKILL");
    await waitUntil(async () => (await platform.fetchWorker("survivor").catch(() => ({ text: "" }))).text === "alive", 20_000);
    const restarts = platform
      .events()
      .filter((event) => event.src === "outpost" && /^workerd process \d+ exited \(SIGKILL\); restarting$/.test(String(event.msg)));
    expect(restarts).toHaveLength(pids.length);
  });

  it("stop: SIGTERM stops workerd and Postgres, leaving no process behind", async () => {
    const host = await startPlatform();
    await host.stop({ keepData: true });
    const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes(host.dataDir));
    expect(left).toEqual([]);
    await host.stop();
  });

  it("stop: SIGTERM to `npm start` (what a service manager sends) reaches the platform, leaving no process behind", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "outpost-test-npm-"));
    const [port, adminPort] = [await freePort(), await freePort()];
    const npm = spawn("npm", ["start", "--", "--port", String(port), "--admin-port", String(adminPort), "--data-dir", dataDir], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      npm.stdout.on("data", (chunk) => (output += chunk));
      await waitUntil(() => output.includes("Outpost ready"), 60_000);
      const exited = new Promise((resolve) => npm.once("exit", resolve));
      npm.kill("SIGTERM");
      await exited;
      await waitUntil(() => !execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(dataDir), 15_000);
    } finally {
      npm.kill("SIGKILL");
      // Should the platform outlive npm (the failure this test is about), stop it here.
      spawnSync("pkill", ["-TERM", "-f", `outpost.js start .*${dataDir}`]);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** @param {string} entry */
async function bundle(entry) {
  const { bundleWorker } = await import("../../cli/bundle.js");
  return bundleWorker(entry);
}
