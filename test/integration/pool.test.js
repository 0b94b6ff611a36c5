// The process pool as an operator sees it: several workerd processes on the public port (a socket
// each) and one admin socket, each with a private port of its own; a killed process comes back while the others
// serve; `outpost reload` replaces them one at a time without failing a request.
import { spawn } from "node:child_process";
import { readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { workerdProcesses } from "../helpers/processes.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "3" } });
  await platform.deploy("steady", await workerFile(`export default { fetch() { return new Response("steady"); } };`));
});
afterAll(() => platform?.stop());

/** The host's workerd processes serving its sockets (not the probation process). */
const processes = () => workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);

/**
 * Requests `steady` one after another until `done` resolves; each on a new connection, as the
 * kernel spreads new connections over the processes that accept.
 * @param {Promise<unknown>} done
 */
async function pollUntil(done) {
  let finished = false;
  void done.finally(() => (finished = true));
  const results = [];
  while (!finished) results.push((await platform.fetchWorker("steady").catch(() => ({ text: "" }))).text === "steady");
  return results;
}

describe("process pool", () => {
  it("pool: OUTPOST_PROCESSES workerd processes serve one socket, each on a private port of its own", async () => {
    const running = processes();
    expect(running).toHaveLength(3);
    expect(new Set(running.map((p) => p.privatePort)).size).toBe(3);
    for (const { privatePort: port } of running) {
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true });
      // The private port is token-checked like the admin socket.
      expect((await fetch(`http://127.0.0.1:${port}/v1/workers`)).status).toBe(401);
    }
  });

  it("pool: connections opened together are spread over every process, each on a public socket of its own", async () => {
    // Each process loads its own isolate of the worker, which names itself on its first request.
    const entry = await workerFile(`export default { fetch() { globalThis.isolate ??= crypto.randomUUID(); return new Response(globalThis.isolate); } };`);
    await platform.deploy("whoami", entry);
    const answers = await Promise.all(Array.from({ length: 30 }, () => platform.fetchWorker("whoami")));
    // All 30 on fewer than 3 of 3 sockets, spread by hash: about 1 in 60,000.
    expect(new Set(answers.map((answer) => answer.text)).size).toBeGreaterThanOrEqual(3);
    // A socket each (SO_REUSEPORT, cli/reuseport.js): workerd's `--socket-fd public=3`.
    const sockets = processes().map(({ pid }) => readlinkSync(`/proc/${pid}/fd/3`));
    expect(sockets.every((socket) => socket.startsWith("socket:"))).toBe(true);
    expect(new Set(sockets).size).toBe(3);
  });

  it("pool: a killed process is replaced while the others serve every request", async () => {
    const [victim] = processes();
    process.kill(victim?.pid ?? 0, "SIGKILL");
    const back = waitUntil(() => processes().length === 3 && !processes().some((p) => p.pid === victim?.pid), 20_000);
    const results = await pollUntil(back);
    await back;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every(Boolean)).toBe(true);
    // The supervisor's line reaches the platform's output a moment after the new process may be up (its first restart is immediate).
    const crash = (/** @type {any} */ event) =>
      event.src === "outpost" && event.level === "warn" && event.kind === "crash" && /^workerd process \d exited \(SIGKILL\); restarting$/.test(event.msg);
    await waitUntil(() => platform.events().some(crash), 5000);
  });

  it("pool: the pool never gives up: processes killed again and again keep coming back", async () => {
    for (let round = 0; round < 7; round++) {
      const before = processes();
      for (const { pid } of before) process.kill(pid, "SIGKILL");
      await waitUntil(() => processes().length === 3 && processes().every((p) => !before.some((b) => b.pid === p.pid)), 30_000);
    }
    await waitUntil(async () => (await platform.fetchWorker("steady").catch(() => ({ text: "" }))).text === "steady", 30_000);
    expect((await platform.admin("GET", "/v1/workers")).status).toBe(200);
  });

  it("reload: `outpost reload` replaces every process one at a time and no request fails", async () => {
    const before = processes().map((p) => p.pid);
    const reload = spawn(process.execPath, [CLI, "reload", "--data-dir", platform.dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    reload.stdout.on("data", (chunk) => (said += chunk));
    await new Promise((resolve) => reload.once("exit", resolve));
    expect(said).toMatch(/^reloading: /);
    const done = waitUntil(() => platform.events().some((event) => event.msg === "reload done"), 60_000);
    const results = await pollUntil(done);
    await done;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every(Boolean)).toBe(true);
    const after = processes().map((p) => p.pid);
    expect(after).toHaveLength(3);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
  });

  it("reload: with no platform running for a data directory, it says so", async () => {
    const reload = spawn(process.execPath, [CLI, "reload", "--data-dir", `${platform.dataDir}-missing`], { stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    reload.stderr.on("data", (chunk) => (said += chunk));
    const code = await new Promise((resolve) => reload.once("exit", resolve));
    expect(code).toBe(1);
    expect(said).toMatch(/^outpost: ERR_NOT_RUNNING: no outpost start is running for /);
  });
});
