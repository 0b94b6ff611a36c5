// Writes the workerd configuration (Cap'n Proto text) for one Outpost host.

/**
 * The disk service of this process's seat (runner/owners): the files of the objects it owns (the
 * D1 databases' SQLite files) and the seat's records. cli/pool.js gives each process its own
 * directory with `--directory-path seat=PATH`.
 */
export const SEAT = "seat";

/** Compatibility date of the runner itself (the newest this workerd supports well). */
export const RUNNER_COMPATIBILITY_DATE = "2026-04-01";

/**
 * @typedef {object} HostConfig
 * @property {string} publicAddress   e.g. "127.0.0.1:8787"
 * @property {string} adminAddress
 * @property {URL} database           postgres://user:password@host:port/db
 * @property {string} blobsDir          absolute; R2 object bytes with the disk driver
 * @property {number} heapMb            V8 heap limit of each isolate, tenants' and the runner's
 * @property {import("../runner/config.ts").RunnerConfig} runner
 */

/**
 * @param {HostConfig} host
 * @returns {string}
 */
export function workerdConfig(host) {
  const db = host.database;
  const dbPort = db.port || "5432";
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "runner", worker = .runner),
    (name = "postgres", external = (address = ${str(`${db.hostname}:${dbPort}`)}, tcp = ())),
    # Tenant egress: public addresses only (the SSRF guard), or anything for allow-listed hosts.
    (name = "internet", network = (allow = ["public"], tlsOptions = (trustBrowserCas = true))),
    (name = "any-network", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
    # Object bytes of R2 buckets with the embedded (disk) driver.
    (name = "blobs", disk = (path = ${str(host.blobsDir)}, writable = true)),
    # The D1 databases' objects, and the seat holding their SQLite files (one per database, under a
    # directory named by the namespace's uniqueKey): each process's own directory, which the pool
    # gives it with \`--directory-path ${SEAT}=PATH\` (cli/pool.js).
    (name = "d1", worker = .d1),
    (name = ${str(SEAT)}, disk = (writable = true)),
  ],
  sockets = [
    (name = "public", address = ${str(host.publicAddress)}, http = (), service = "runner"),
    (name = "admin", address = ${str(host.adminAddress)}, http = (), service = (name = "runner", entrypoint = "Admin")),
    # One per process (--socket-addr private=127.0.0.1:PORT): the supervisor's way to one process
    # (watchdog probe, scheduler heartbeat, incident reports). Token-checked like the admin socket.
    (name = "private", address = "127.0.0.1:0", http = (), service = (name = "runner", entrypoint = "Admin")),
  ],
  # Every console call of every isolate becomes one JSON line on stdout, which the supervisor
  # reads as untrusted text (cli/workerd-output.js).
  logging = (structuredLogging = true),
  # Over this heap an isolate makes V8 abort its process: the pool restarts it and the others
  # keep serving. It bounds each isolate, the runner's included (its caches are sized to fit).
  v8Flags = [${str(`--max-old-space-size=${host.heapMb}`)}],
);

const runner :Workerd.Worker = (
  modules = [(name = "runner.js", esModule = embed "runner.js")],
  compatibilityDate = ${str(RUNNER_COMPATIBILITY_DATE)},
  # service_binding_extra_handlers (experimental): Fetcher#queue() and #scheduled(), with which the
  # runner invokes tenants' queue() and scheduled() handlers through the Worker Loader.
  compatibilityFlags = ["nodejs_compat", "service_binding_extra_handlers"],
  # The runner is trusted: it reaches Postgres and S3 on private addresses. Tenant isolates get
  # the Egress entrypoint instead (runner/egress).
  globalOutbound = "any-network",
  bindings = [
    (name = "LOADER", workerLoader = (id = "tenants")),
    (name = "HYPERDRIVE", hyperdrive = (
      designator = "postgres",
      database = ${str(decodeURIComponent(db.pathname.slice(1)))},
      user = ${str(decodeURIComponent(db.username))},
      password = ${str(decodeURIComponent(db.password))},
      scheme = "postgresql",
    )),
    (name = "DATABASE", durableObjectNamespace = "Database"),
    (name = "D1", durableObjectNamespace = (className = "D1DatabaseObject", serviceName = "d1")),
    (name = "SCHEDULER", durableObjectNamespace = "Scheduler"),
    # workerd's own V8 serializer for "v8" queue message bodies (runner/queue/codec.ts).
    (name = "V8_QUEUE", queue = (name = "runner", entrypoint = "QueueCodec")),
    (name = "INTERNET", service = "internet"),
    (name = "ANY_NETWORK", service = "any-network"),
    (name = "BLOBS", service = "blobs"),
    (name = "CONFIG", json = ${str(JSON.stringify(host.runner))}),
    # The secrets master key comes from workerd's environment, so it is never on disk here.
    (name = "MASTER_KEY", fromEnvironment = "OUTPOST_MASTER_KEY"),
    # Marks the runner's log lines apart from tenants' console output (runner/logs/log.ts).
    (name = "LOG_NONCE", fromEnvironment = "OUTPOST_LOG_NONCE"),
    # Which process this is (the pool sets it per process) and the secret of forwarded requests.
    (name = "PROCESS_ROLE", fromEnvironment = "OUTPOST_PROCESS_ROLE"),
    (name = "FORWARD_SECRET", fromEnvironment = "OUTPOST_FORWARD_SECRET"),
    # Its seat, the seat's name and the address its peers forward object calls to (runner/owners).
    (name = "SEAT", service = ${str(SEAT)}),
    (name = "SEAT_NAME", fromEnvironment = "OUTPOST_SEAT"),
    (name = "PRIVATE_ADDRESS", fromEnvironment = "OUTPOST_PRIVATE_ADDRESS"),${
      host.runner.s3 ? `\n    (name = "S3_SECRET_ACCESS_KEY", fromEnvironment = "S3_SECRET_ACCESS_KEY"),` : ""
    }
  ],
  durableObjectNamespaces = [
    (className = "Database", uniqueKey = "outpost-database", preventEviction = true),
    (className = "Scheduler", uniqueKey = "outpost-scheduler", preventEviction = true),
  ],
  durableObjectStorage = (inMemory = void),
);

# The D1 objects' own worker (runner/d1/object.ts, bundled alone): their storage is on disk with
# SQL, while the runner's own objects stay in memory (a worker has one durableObjectStorage).
const d1 :Workerd.Worker = (
  modules = [(name = "d1.js", esModule = embed "d1.js")],
  compatibilityDate = ${str(RUNNER_COMPATIBILITY_DATE)},
  durableObjectNamespaces = [(className = "D1DatabaseObject", uniqueKey = "outpost-d1", enableSql = true)],
  durableObjectStorage = (localDisk = ${str(SEAT)}),
);
`;
}

/** A Cap'n Proto text string literal. @param {string} value */
function str(value) {
  if (/[\u0000-\u001f]/.test(value)) throw new Error(`ERR_CONFIG_VALUE: control characters are not allowed in ${JSON.stringify(value)}`);
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
