// What Outpost is compared with: the same worker in bare workerd, and in Miniflare (with
// Miniflare's own KV). Each starter returns the port it serves on and a stop function.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import workerd from "workerd";
import { fileURLToPath } from "node:url";
import { freePort, listenForChild, waitForHttp } from "../cli/net.js";
import { canReusePort, reusePortCommand } from "../cli/reuseport.js";

const BARE_POOL_MAIN = fileURLToPath(new URL("./bare-pool-main.js", import.meta.url));

/** @typedef {{ port: number, stop: () => Promise<void> }} Target */

/**
 * One worker, nothing else, in the workerd binary from node_modules.
 * @param {string} script ES module source
 * @param {string} compatibilityDate
 * @returns {Promise<Target>}
 */
export async function startBareWorkerd(script, compatibilityDate) {
  const dir = await mkdtemp(join(tmpdir(), "outpost-bench-workerd-"));
  const port = await freePort();
  await writeWorker(dir, script, compatibilityDate, `(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")`);
  const child = spawn(workerd.default, ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 15_000, () => child.exitCode !== null);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/**
 * One worker in `processes` bare workerd processes on one public port, the way Outpost's pool
 * has them (cli/pool-launch.js): a socket each in an SO_REUSEPORT group where Perl can open one
 * (bare-pool-main.js), else one socket that this process opens, hands to each workerd as fd 3
 * (`--socket-fd http=3`) and closes, so that only workerd accepts on it. Each process also gets a
 * private port of its own, to know when every one serves.
 * @param {string} script ES module source
 * @param {string} compatibilityDate
 * @param {number} processes
 * @returns {Promise<Target>}
 */
export async function startBareWorkerdPool(script, compatibilityDate, processes) {
  const dir = await mkdtemp(join(tmpdir(), "outpost-bench-workerd-"));
  await writeWorker(
    dir,
    script,
    compatibilityDate,
    `(name = "http", http = (), service = "main"),
    (name = "private", address = "127.0.0.1:0", http = (), service = "main")`,
  );
  const { server, fd, port } = await listenForChild("127.0.0.1", 0);
  const privatePorts = [];
  for (let i = 0; i < processes; i++) privatePorts.push(await freePort());
  /** @type {import("node:child_process").ChildProcess[]} */
  let children;
  if (canReusePort()) {
    await new Promise((resolve) => server.close(resolve));
    const [command, args] = reusePortCommand("127.0.0.1", port, processes, [process.execPath, BARE_POOL_MAIN, dir, ...privatePorts.map(String)]);
    children = [spawn(command, args, { stdio: "inherit" })];
  } else {
    children = privatePorts.map((privatePort) =>
      spawn(workerd.default, ["serve", "config.capnp", "--socket-fd", "http=3", "--socket-addr", `private=127.0.0.1:${privatePort}`], {
        cwd: dir,
        stdio: ["ignore", "inherit", "inherit", fd],
      }),
    );
    await new Promise((resolve) => server.close(resolve));
  }
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const anyExited = () => children.some((child) => child.exitCode !== null);
    for (const privatePort of privatePorts) await waitForHttp(`http://127.0.0.1:${privatePort}/`, 15_000, anyExited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/**
 * The worker under Miniflare's API (no wrangler), with an in-memory KV namespace bound as KV and
 * an R2 bucket as BUCKET, unless `bindings` says otherwise (Miniflare's options).
 * @param {string} script ES module source
 * @param {string} compatibilityDate
 * @param {Record<string, unknown>} [bindings]
 * @returns {Promise<Target>}
 */
export async function startMiniflare(script, compatibilityDate, bindings = { kvNamespaces: ["KV"], r2Buckets: ["BUCKET"] }) {
  const mf = new Miniflare({
    modules: true,
    script,
    ...bindings,
    compatibilityDate,
    host: "127.0.0.1",
    port: await freePort(),
  });
  try {
    const url = await mf.ready;
    return { port: Number(url.port), stop: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}

/**
 * The worker and a workerd config serving it on `sockets` (Cap'n Proto socket entries).
 * @param {string} dir
 * @param {string} script
 * @param {string} compatibilityDate
 * @param {string} sockets
 */
async function writeWorker(dir, script, compatibilityDate, sockets) {
  await writeFile(join(dir, "worker.js"), script);
  await writeFile(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [
    ${sockets},
  ],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${compatibilityDate}",
);
`,
  );
}
