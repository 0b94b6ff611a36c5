// A real S3 server for tests and benchmarks: a one-node Ceph cluster (monitor, one OSD keeping
// objects in memory, RADOS gateway) from Debian's packages, unpacked into the repository's
// cache (packages.js). It checks SigV4 signatures, presigned URLs and their expiry like AWS.
// Each start gets its own directory, ports and keys, so several can run side by side.
import { execFile, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { closeSync, existsSync, openSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../cli/net.js";
import { ensureCeph } from "./packages.js";

const run = promisify(execFile);

const STARTUP_TIMEOUT_MS = 60_000;
/** Reported capacity of the in-memory OSD; memory is only used by what is stored. */
const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;
/** RGW accepts any region in the credential scope; this is what AWS SDKs default to. */
const REGION = "us-east-1";
/** The daemons die with the Node process that started them, even when it is SIGKILLed. */
const SETPRIV = "/usr/bin/setpriv";
const TEMP_PREFIX = "outpost-s3-";
/** The pid of the Node process that owns a generated dir: a dead owner's dir is removed. */
const OWNER_FILE = "owner.pid";

/**
 * @typedef {object} S3Server
 * @property {string} endpoint  `http://127.0.0.1:PORT`, path-style buckets
 * @property {string} region
 * @property {string} accessKeyId
 * @property {string} secretAccessKey
 * @property {string} dataDir  config, logs (`log/*.log`, `*.out`) and daemon state
 * @property {string} version  the Ceph package version
 * @property {() => Promise<void>} stop  kills the daemons and removes a generated dataDir
 */

/** @type {Set<import("node:child_process").ChildProcess>} */
const running = new Set();
/** @type {Set<string>} */
const generatedDirs = new Set();
let exitHookInstalled = false;

/**
 * Starts a one-node Ceph cluster with a RADOS gateway on a free loopback port and one S3
 * user with generated keys. The first call on a machine downloads Ceph (~66 MB of .deb
 * packages) into `.cache/ceph/`.
 * @param {{ dataDir?: string, memoryBytes?: number, cacheDir?: string, log?: (line: string) => void }} [options]
 *   dataDir: an empty or missing directory to use (kept after stop); default a fresh temp
 *   dir (removed by stop). memoryBytes: capacity of the in-memory OSD (default 2 GiB).
 *   log: progress lines with elapsed milliseconds.
 * @returns {Promise<S3Server>}
 */
export async function startS3(options = {}) {
  const started = Date.now();
  const log = (/** @type {string} */ line) => options.log?.(`${String(Date.now() - started).padStart(6)} ms  ${line}`);
  const ceph = await ensureCeph({ log, ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }) });
  const generated = options.dataDir === undefined;
  if (generated) await removeOrphanedDirs();
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), TEMP_PREFIX)));
  if (!generated) {
    await mkdir(dir, { recursive: true });
    if ((await readdir(dir)).length > 0) throw new Error(`ERR_S3_DATA_DIR: ${dir} is not empty; give startS3 an empty or missing dataDir`);
  } else {
    generatedDirs.add(dir);
    await writeFile(join(dir, OWNER_FILE), String(process.pid));
  }
  // Unix socket paths are limited to 107 bytes; the OSD's readiness is read from its socket.
  const osdSocket = join(dir, "run", "osd.0.asok");
  if (Buffer.byteLength(osdSocket) > 107) throw new Error(`ERR_S3_DATA_DIR: ${dir} is too long for Ceph's admin sockets; use a shorter dataDir`);
  installExitHook();

  /** @type {import("node:child_process").ChildProcess[]} */
  const daemons = [];
  const anyDied = () => daemons.some((child) => child.exitCode !== null || child.signalCode !== null);
  const stop = async () => {
    await Promise.all(daemons.map(kill));
    if (generated) {
      await rm(dir, { recursive: true, force: true });
      generatedDirs.delete(dir);
    }
  };

  try {
    const bin = (/** @type {string} */ name) => join(ceph.root, "usr", "bin", name);
    const env = { ...process.env, LD_LIBRARY_PATH: ceph.libraryPath };
    const tool = (/** @type {string} */ name, /** @type {string[]} */ args) =>
      run(bin(name), ["-c", join(dir, "ceph.conf"), ...args], { env, cwd: dir, timeout: 30_000, maxBuffer: 16 << 20 });
    const daemon = (/** @type {string} */ name, /** @type {string} */ id, /** @type {string[]} */ args) => {
      const child = spawnDaemon(bin(name), ["-c", join(dir, "ceph.conf"), "-f", ...args], env, join(dir, `${id}.out`));
      daemons.push(child);
      return child;
    };

    const monPort = await freePort();
    const fsid = randomUUID();
    for (const sub of ["mon/a", "osd/0", "rgw", "run", "log", "crash"]) await mkdir(join(dir, sub), { recursive: true });
    await writeFile(join(dir, "ceph.conf"), cephConf({ dir, libDir: ceph.libDir, fsid, monPort, memoryBytes: options.memoryBytes ?? DEFAULT_MEMORY_BYTES }));

    // The initial maps are built offline: the monitor starts with osd.0 already in its map,
    // so no `ceph osd new` (a Python tool) and no extra monitor round trip are needed.
    await tool("monmaptool", ["--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, join(dir, "monmap")]);
    await tool("osdmaptool", ["--createsimple", "1", join(dir, "osdmap")]);
    await tool("ceph-mon", ["-i", "a", "--mkfs", "--monmap", join(dir, "monmap"), "--osdmap", join(dir, "osdmap")]);
    log("monitor created");
    daemon("ceph-mon", "mon.a", ["-i", "a"]);
    await tool("ceph-osd", ["--no-mon-config", "-i", "0", "--mkfs", "--osd-uuid", randomUUID()]);
    log("OSD created");
    // Clients that find the monitor not yet listening retry only every 3 s (mon_client_hunt_interval).
    await waitForPort(monPort, STARTUP_TIMEOUT_MS, anyDied);
    log("monitor listening");
    daemon("ceph-osd", "osd.0", ["-i", "0"]);
    // A pool created before the OSD is up gets its placement groups only at the monitor's
    // next tick (5 s), so the gateway, which creates its pools first thing, waits for the OSD.
    await waitForOsd(osdSocket, STARTUP_TIMEOUT_MS, anyDied);
    log("OSD active");
    const endpoint = await startGateway(daemon, daemons, anyDied);
    log(`gateway answering at ${endpoint}`);

    const accessKeyId = `OUTPOST${randomBytes(8).toString("hex").toUpperCase()}`.slice(0, 20);
    const secretAccessKey = randomBytes(30).toString("base64url").slice(0, 40);
    await tool("radosgw-admin", [
      "user",
      "create",
      "--uid",
      "outpost",
      "--display-name",
      "Outpost tests",
      "--access-key",
      accessKeyId,
      "--secret-key",
      secretAccessKey,
    ]);
    log("user created");

    let stopping;
    return {
      endpoint,
      region: REGION,
      accessKeyId,
      secretAccessKey,
      dataDir: dir,
      version: ceph.version,
      stop: () => (stopping ??= stop()),
    };
  } catch (error) {
    const logs = await logTails(dir);
    await stop();
    throw new Error(`ERR_S3_START: the Ceph S3 server did not start (${error instanceof Error ? error.message : error})\n${logs}`, { cause: error });
  }
}

/** Gateways started at most, each on another port, when the port chosen was taken meanwhile. */
const GATEWAY_ATTEMPTS = 3;

/**
 * Starts the RADOS gateway on a free loopback port; answers its endpoint. The port is chosen just
 * before the gateway starts, but a server started in parallel (another test file's Ceph) may take
 * it in between: a port that answers something other than HTTP (a Ceph monitor's banner) is given
 * up for another.
 * @param {(name: string, id: string, args: string[]) => import("node:child_process").ChildProcess} daemon
 * @param {import("node:child_process").ChildProcess[]} daemons
 * @param {() => boolean} anyDied
 */
async function startGateway(daemon, daemons, anyDied) {
  for (let attempt = 1; ; attempt++) {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    // Without tcp_nodelay a small GET waits ~40 ms for delayed ACKs.
    const gateway = daemon("radosgw", "client.rgw", ["-n", "client.rgw", `--rgw_frontends=beast endpoint=${endpoint.slice(7)} tcp_nodelay=1`]);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      try {
        await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) });
        return endpoint;
      } catch (error) {
        const notHttp = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code?.startsWith("HPE_") ?? false;
        if (notHttp && attempt < GATEWAY_ATTEMPTS) break;
        if (notHttp || anyDied() || Date.now() > deadline)
          throw new Error(`${endpoint}/ did not answer as the gateway within ${STARTUP_TIMEOUT_MS} ms`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await kill(gateway);
    daemons.splice(daemons.indexOf(gateway), 1);
  }
}

/**
 * @param {{ dir: string, libDir: string, fsid: string, monPort: number, memoryBytes: number }} options
 */
function cephConf({ dir, libDir: lib, fsid, monPort, memoryBytes }) {
  // Options as Ceph 16 (Pacific) names them; `ceph-conf --show-config` lists them all.
  return `[global]
fsid = ${fsid}
mon_host = v2:127.0.0.1:${monPort}
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# radosgw asks for a "secure" monitor session by default, which auth "none" cannot give.
ms_mon_client_mode = crc
# Every pool creation is a monitor proposal; proposals wait this long (default 1 s).
paxos_propose_interval = 0.01
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
run_dir = ${dir}/run
admin_socket = ${dir}/run/$name.asok
log_file = ${dir}/log/$name.log
crash_dir = ${dir}/crash
keyring = ${dir}/keyring
plugin_dir = ${lib}/ceph
erasure_code_dir = ${lib}/ceph/erasure-code
osd_class_dir = ${lib}/rados-classes

[mon]
mon_data = ${dir}/mon/$id

[osd]
osd_data = ${dir}/osd/$id
osd_objectstore = memstore
memstore_device_bytes = ${memoryBytes}

[client]
# Deleted and overwritten objects' tails are freed by garbage collection (default after 2 h).
rgw_gc_obj_min_wait = 10
rgw_gc_processor_period = 10

[client.rgw]
rgw_data = ${dir}/rgw
# The resharding thread has crashed the gateway as it started (a segfault reading its config in
# RGWBucketReshardLock); a test server's buckets never need resharding.
rgw_dynamic_resharding = false
`;
}

/**
 * @param {string} binary
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {string} outFile
 */
function spawnDaemon(binary, args, env, outFile) {
  const out = openSync(outFile, "a");
  try {
    const [command, argv] = existsSync(SETPRIV) ? [SETPRIV, ["--pdeathsig", "KILL", "--", binary, ...args]] : [binary, args];
    const child = spawn(command, argv, { env, stdio: ["ignore", out, out] });
    running.add(child);
    child.once("exit", () => running.delete(child));
    return child;
  } finally {
    closeSync(out);
  }
}

/**
 * SIGKILL: the cluster's state is thrown away, and a stopping memstore OSD would first
 * write every stored object to disk.
 * @param {import("node:child_process").ChildProcess} child
 */
function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGKILL");
  });
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of generatedDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Generated dirs left behind by Node processes that were killed (no exit hook ran). */
async function removeOrphanedDirs() {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const owner = Number(await readFile(join(tmpdir(), name, OWNER_FILE), "utf8").catch(() => "NaN"));
    if (!Number.isInteger(owner) || isAlive(owner)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === "EPERM";
  }
}

/**
 * @param {number} port
 * @param {number} timeoutMs
 * @param {() => boolean} gaveUp
 */
async function waitForPort(port, timeoutMs, gaveUp) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (gaveUp() || Date.now() > deadline) throw new Error(`127.0.0.1:${port} did not accept connections within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Polls the OSD's admin socket (a JSON command ended by NUL; the answer is a 4-byte
 * big-endian length and JSON) until the OSD reports itself active. Asked before it has
 * registered the command, the OSD answers with an error and logs "not defined".
 * @param {string} socketPath
 * @param {number} timeoutMs
 * @param {() => boolean} gaveUp
 */
async function waitForOsd(socketPath, timeoutMs, gaveUp) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await new Promise((resolve) => {
      /** @type {Buffer[]} */
      const chunks = [];
      const socket = connect(socketPath);
      socket.once("connect", () => socket.end('{"prefix": "status"}\0'));
      socket.on("data", (chunk) => chunks.push(chunk));
      socket.once("error", () => resolve(undefined));
      socket.once("close", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).subarray(4).toString()).state);
        } catch {
          resolve(undefined);
        }
      });
    });
    if (state === "active") return;
    if (gaveUp() || Date.now() > deadline) throw new Error(`osd.0 was not active within ${timeoutMs} ms (last state: ${state ?? "no answer"})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The end of every daemon's log, for an error message. @param {string} dir */
async function logTails(dir) {
  const files = [
    ...(await readdir(dir).catch(() => [])).filter((name) => name.endsWith(".out")).map((name) => join(dir, name)),
    ...(await readdir(join(dir, "log")).catch(() => [])).map((name) => join(dir, "log", name)),
  ];
  const tails = await Promise.all(
    files.map(async (file) => {
      const lines = (await readFile(file, "utf8").catch(() => "")).split("\n").filter((line) => line && !line.includes("rocksdb:"));
      return lines.length === 0 ? "" : `--- ${file}\n${lines.slice(-15).join("\n")}`;
    }),
  );
  return tails.filter(Boolean).join("\n");
}
