// `outpost start`: Postgres (embedded unless DATABASE_URL is set), migrations, the runner
// bundle and workerd config, then workerd itself, supervised until SIGINT/SIGTERM.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import workerd from "workerd";
import { buildRunner } from "./build.js";
import { deployDemo } from "./demo.js";
import { masterKeyFor, verifyMasterKey } from "./master-key.js";
import { migrate } from "./migrate.js";
import { waitForHttp } from "./net.js";
import { hostsConfig } from "./hosts-config.js";
import { startEmbeddedPostgres } from "./postgres.js";
import { createLogger } from "./log.js";
import { workerdConfig } from "./workerd-config.js";
import { workerdOutput } from "./workerd-output.js";
import { suspensionConfig } from "./suspension-config.js";
import { startSchedulerHeartbeat } from "./scheduler.js";

const SWEEP_INTERVAL_MS = 60_000;
const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS_IN_WINDOW = 5;

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
  const { adminUrl, adminToken, tokenSource } = await prepareAndRun(options, dataDir, cleanup, logger).catch(async (error) => {
    await stopAll();
    throw error;
  });

  const sweeper = setInterval(() => {
    fetch(`${adminUrl}/v1/maintenance/sweep`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } }).catch(() => {});
  }, SWEEP_INTERVAL_MS);
  const stopHeartbeat = startSchedulerHeartbeat(adminUrl, adminToken, log);

  let stopping = false;
  const shutdown = async (/** @type {string} */ signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    clearInterval(sweeper);
    stopHeartbeat();
    await stopAll();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  if (options.demo) {
    await deployDemo(adminUrl, adminToken);
    log(`demo worker deployed: http://demo.${options.baseDomain}:${options.port}/`);
  }
  const publicUrl = `http://${options.host}:${options.port}`;
  // Where the token is, never the token: the log is read by more people than the operator.
  logger.info(`Outpost ready: workers at http://NAME.${options.baseDomain}:${options.port}/ (public ${publicUrl}), admin API ${adminUrl}, admin token ${tokenSource}`, {
    workers: `http://NAME.${options.baseDomain}:${options.port}/`,
    public: publicUrl,
    admin: adminUrl,
  });
}

/**
 * Database, migrations, master key, runner bundle and workerd config, then workerd; each thing
 * started registers how to stop it in `cleanup`.
 * @param {StartOptions} options
 * @param {string} dataDir
 * @param {(() => Promise<void>)[]} cleanup
 * @param {import("./log.js").Logger} logger
 */
async function prepareAndRun(options, dataDir, cleanup, logger) {
  const log = (/** @type {string} */ msg) => logger.info(msg);
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(dataDir, log);
    cleanup.push(pg.stop);
    databaseUrl = pg.url;
    log(`embedded Postgres running (data in ${join(dataDir, "postgres")})`);
  }
  const applied = await migrate(databaseUrl);
  if (applied.length > 0) log(`applied migrations: ${applied.join(", ")}`);
  const masterKey = await masterKeyFor(dataDir, log);
  await verifyMasterKey(databaseUrl, masterKey);

  const { token: adminToken, source: tokenSource } = await adminTokenFor(dataDir);
  const { runner, build } = await buildRunner();
  const workDir = join(dataDir, "workerd");
  const blobsDir = join(dataDir, "blobs");
  await mkdir(blobsDir, { recursive: true, mode: 0o700 });
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  await writeFile(join(workDir, "runner.js"), runner);
  const configFile = join(workDir, "config.capnp");
  // The config holds the database password: readable by this user only.
  await writeFile(
    configFile,
    workerdConfig({
      publicAddress: `${options.host}:${options.port}`,
      adminAddress: `${options.host}:${options.adminPort}`,
      database: new URL(databaseUrl),
      blobsDir,
      runner: {
        baseDomain: options.baseDomain,
        adminTokenSha256: createHash("sha256").update(adminToken).digest("hex"),
        build,
        egressAllow: options.egressAllow,
        maxCompatibilityDate: workerd.compatibilityDate,
        keepVersions: options.keepVersions,
        storageOrigin: process.env.OUTPOST_STORAGE_ORIGIN ?? `http://storage.${options.baseDomain}:${options.port}`,
        s3: s3Config(),
        ownPorts: [options.port, options.adminPort],
        ...hostsConfig(process.env),
        ...suspensionConfig(process.env),
      },
    }),
    { mode: 0o600 },
  );
  await chmod(configFile, 0o600);

  const adminUrl = `http://${options.host}:${options.adminPort}`;
  // A new nonce per start marks the runner's log lines (cli/workerd-output.js); no tenant can see it.
  const nonce = randomBytes(24).toString("base64url");
  // The invocation journal is for the watchdog; OUTPOST_LOG_JOURNAL=1 prints it too.
  const output = workerdOutput(nonce, logger, process.env.OUTPOST_LOG_JOURNAL === "1" ? { onJournal: logger.write } : {});
  cleanup.push(async () => output.flush());
  const env = { ...process.env, OUTPOST_MASTER_KEY: masterKey, OUTPOST_LOG_NONCE: nonce };
  const supervisor = supervise(configFile, workDir, env, output, logger, () => removePartialBlobs(blobsDir, log));
  cleanup.push(supervisor.stop);
  await Promise.race([
    waitForHttp(`${adminUrl}/healthz`, 30_000),
    supervisor.firstExit.then((code) => Promise.reject(new Error(`workerd exited with code ${code} while starting`))),
  ]);
  return { adminUrl, adminToken, tokenSource };
}

/**
 * The `s3` blob driver's settings from S3_* variables, or null for the embedded disk driver.
 * @returns {import("../runner/config.ts").S3Config | null}
 */
function s3Config() {
  const { S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PREFIX } = process.env;
  if (!S3_ENDPOINT) return null;
  const missing = Object.entries({ S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY }).filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0) throw new Error(`ERR_S3_CONFIG: S3_ENDPOINT is set but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not`);
  return { endpoint: S3_ENDPOINT, region: S3_REGION ?? "auto", bucket: S3_BUCKET ?? "", accessKeyId: S3_ACCESS_KEY_ID ?? "", prefix: S3_PREFIX ?? "" };
}

/**
 * The disk blob store is a workerd disk service: it writes each blob to a `.kj-tmp.*.partial`
 * file and renames it when whole. A workerd that died mid-write leaves that file behind, and no
 * workerd is running while this is called, so every such file is debris.
 * @param {string} blobsDir
 * @param {(line: string) => void} log
 */
function removePartialBlobs(blobsDir, log) {
  const partial = readdirSync(blobsDir).filter((name) => name.startsWith(".kj-tmp."));
  for (const name of partial) rmSync(join(blobsDir, name), { force: true });
  if (partial.length > 0) log(`removed ${partial.length} partly written blob file(s) left by a stopped workerd`);
}

/**
 * Runs workerd and restarts it when it dies (bounded, so a crash loop ends with an error).
 * @param {string} configFile
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} env  workerd's environment (carries the master key)
 * @param {ReturnType<typeof workerdOutput>} output  reads workerd's stdout and stderr
 * @param {import("./log.js").Logger} logger
 * @param {() => void} beforeEachStart  runs before workerd (re)starts, while none is running
 */
function supervise(configFile, cwd, env, output, logger, beforeEachStart) {
  /** @type {import("node:child_process").ChildProcess} */
  let child;
  let stopping = false;
  /** @type {number[]} */
  const restarts = [];
  /** @type {(code: number | null) => void} */
  let resolveFirstExit = () => {};
  /** @type {Promise<number | null>} */
  const firstExit = new Promise((resolve) => (resolveFirstExit = resolve));

  const run = () => {
    beforeEachStart();
    child = spawn(workerd.default, ["serve", configFile, "--experimental"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    output.read(/** @type {import("node:stream").Readable} */ (child.stdout), "stdout");
    output.read(/** @type {import("node:stream").Readable} */ (child.stderr), "stderr");
    child.on("exit", (code, signal) => {
      resolveFirstExit(code);
      if (stopping) return;
      const now = Date.now();
      restarts.push(now);
      while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS_IN_WINDOW) {
        logger.error(`workerd crashed ${restarts.length} times within a minute; giving up`);
        process.kill(process.pid, "SIGTERM");
        return;
      }
      logger.warn(`workerd exited (${signal ?? `code ${code}`}); restarting`, { signal, code });
      run();
    });
  };
  run();
  // If this process dies of an error, workerd must not outlive it (SIGKILL cannot be caught).
  process.on("exit", () => child.kill("SIGKILL"));

  return {
    firstExit,
    /** @returns {Promise<void>} */
    stop: () =>
      new Promise((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
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
