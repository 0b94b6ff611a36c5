// The pool supervisor's own process (see pool-launch.js for why it is a process of its own). It
// receives its settings over IPC, holds the public and admin sockets (reuseport.js says which fds)
// without ever accepting on them, and runs the pool until told to stop or until `outpost start` goes away.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "./log.js";
import { call, startPool } from "./pool.js";
import { hostMetrics, supervisorFacts } from "./metrics.js";
import { serveMetrics } from "./metrics-server.js";
import { workerdOutput } from "./workerd-output.js";

/**
 * @typedef {{ port: number, address: { host: string, port: number } | null }} MetricsSettings  the loopback port for the admin socket, and OUTPOST_METRICS_ADDRESS
 * @typedef {Omit<import("./pool.js").PoolOptions, "env" | "beforeFirstStart" | "afterExit" | "facts"> & { nonce: string, blobsDir: string, metrics: MetricsSettings }} PoolSettings
 * @typedef {{ type: "start", settings: PoolSettings } | { type: "reload" } | { type: "stop" }} PoolMessage
 */

const logger = createLogger();
/** @type {ReturnType<typeof startPool> | undefined} */
let pool;
/** @type {ReturnType<typeof workerdOutput> | undefined} */
let output;
let stopping = false;

const send = (/** @type {Record<string, unknown>} */ message) => process.connected && process.send?.(message);

const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pool?.stop();
  output?.flush();
  process.exit(0);
};

process.on("message", (/** @type {PoolMessage} */ message) => {
  if (message.type === "start" && !pool) {
    const { nonce, blobsDir, metrics, ...settings } = message.settings;
    // The invocation journal feeds the watchdog; OUTPOST_LOG_JOURNAL=1 prints it too.
    output = workerdOutput(nonce, logger, process.env.OUTPOST_LOG_JOURNAL === "1" ? { onJournal: logger.write } : {});
    const hooks = {
      beforeFirstStart: () => removePartialBlobs(blobsDir, ""),
      afterExit: (/** @type {number} */ pid) => removePartialBlobs(blobsDir, `${pid}.`),
    };
    const facts = supervisorFacts();
    pool = startPool({ ...settings, env: process.env, ...hooks, facts }, logger, output);
    serveHostMetrics(pool, facts, settings.adminToken, metrics);
  } else if (message.type === "reload") {
    void pool?.reload().then((ok) => send({ type: "reloaded", ok }));
  } else if (message.type === "stop") {
    void stop();
  }
});
// `outpost start` died (even of SIGKILL): workerd must not outlive it.
process.on("disconnect", () => void stop());
process.on("SIGTERM", () => void stop());
process.on("exit", () => pool?.killAll());

/**
 * The disk blob store (a workerd disk service) writes each blob to a `.kj-tmp.<pid>.*.partial`
 * file and renames it when whole; a workerd that died mid-write leaves that file behind. Before the
 * first process starts every such file is debris, and once a process has exited, its own are.
 * @param {string} blobsDir
 * @param {string} pidPrefix  "" for all, or "<pid>." for one process's
 */
function removePartialBlobs(blobsDir, pidPrefix) {
  const partial = readdirSync(blobsDir).filter((name) => name.startsWith(`.kj-tmp.${pidPrefix}`));
  for (const name of partial) rmSync(join(blobsDir, name), { force: true });
  if (partial.length > 0) logger.info(`removed ${partial.length} partly written blob file(s) left by a stopped workerd`);
}

/**
 * /metrics for the runners, which serve it on the admin socket (checked with the forward secret
 * that start.js gave every workerd process), and, when configured, on the operator's address
 * (open); an address that cannot be had stops the supervisor, and with it `outpost start`.
 * @param {ReturnType<typeof startPool>} pool
 * @param {import("./metrics.js").SupervisorFacts} facts
 * @param {string} adminToken
 * @param {MetricsSettings} settings
 */
function serveHostMetrics(pool, facts, adminToken, settings) {
  const ask = (/** @type {number} */ port, /** @type {string} */ path) => call(port, "GET", path, adminToken);
  const { gather } = hostMetrics(pool, facts, ask, logger);
  const gathered = () =>
    gather().catch((error) => {
      logger.error("metrics could not be gathered", { error: String(error) });
      throw error;
    });
  const servers = [serveMetrics({ host: "127.0.0.1", port: settings.port }, gathered, process.env.OUTPOST_FORWARD_SECRET ?? "")];
  if (settings.address) servers.push(serveMetrics(settings.address, gathered, null));
  Promise.all(servers).catch((error) => {
    logger.error(`metrics: cannot listen: ${error.message}`, { address: settings.address });
    process.exit(1);
  });
}
