// What Outpost is compared with: the same worker in bare workerd, and in Miniflare (with
// Miniflare's own KV). Each starter returns the port it serves on and a stop function.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import workerd from "workerd";
import { freePort, waitForHttp } from "../cli/net.js";

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
  await writeFile(join(dir, "worker.js"), script);
  await writeFile(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${compatibilityDate}",
);
`,
  );
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
 * The worker under Miniflare's API (no wrangler), with an in-memory KV namespace bound as KV.
 * @param {string} script ES module source
 * @param {string} compatibilityDate
 * @returns {Promise<Target>}
 */
export async function startMiniflare(script, compatibilityDate) {
  const mf = new Miniflare({ modules: true, script, kvNamespaces: ["KV"], r2Buckets: ["BUCKET"], compatibilityDate, host: "127.0.0.1", port: await freePort() });
  try {
    const url = await mf.ready;
    return { port: Number(url.port), stop: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}
