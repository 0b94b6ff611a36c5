// Shared by the CLI (which writes it into workerd's config) and the runner (which reads it).

/** Settings the CLI writes into the runner's `CONFIG` binding at start. */
export interface RunnerConfig {
  /** Workers answer at `NAME.<baseDomain>`. */
  baseDomain: string;
  /** SHA-256 (hex) of the operator's admin token; the token itself never reaches workerd. */
  adminTokenSha256: string;
  /** Hash of the runner and shim bundles: part of every Worker Loader cache key. */
  build: string;
  /** Host:port pairs tenant code may reach although they are loopback/private. */
  egressAllow: string[];
  /** Newest compatibility date this workerd supports; the default for deploys that name none. */
  maxCompatibilityDate: string;
  /** The `s3` blob driver's settings (S3_* variables), or null for the embedded disk driver. */
  s3: S3Config | null;
  /** Workers' public origin, `http://<baseDomain>:<port>` or OUTPOST_PUBLIC_URL: a worker answers at `NAME.` its host. */
  publicUrl: string;
  /** Where presigned storage URLs point: `http://storage.<baseDomain>:<port>` by default. */
  storageOrigin: string;
  /** How many versions each worker keeps (OUTPOST_KEEP_VERSIONS, default 100). */
  keepVersions: number;
  /** The platform's own sockets, always refused to tenant egress. */
  ownPorts: number[];
  /** Worker names no tenant may deploy (OUTPOST_RESERVED_NAMES), besides the platform's own `storage`. */
  reservedNames: string[];
  /** Days a deleted worker's name stays with its tenant (OUTPOST_NAME_GRACE_DAYS, default 7). */
  nameGraceDays: number;
  /** `open`: tenant tokens may register unowned domains themselves (OUTPOST_DOMAIN_CLAIMS, default `closed`). */
  domainClaims: "open" | "closed";
  /** The supervisor's loopback port that answers `GET /metrics` for the admin socket (runner/metrics/admin.ts). */
  metricsPort: number;
  /** The probation process's private port (runner/dispatch/probation.ts), or null without one. */
  probationPort: number | null;
  /** Certain incidents within the window that suspend a worker (OUTPOST_SUSPEND_AFTER, default 3). */
  suspendAfter: number;
  /** The window, in seconds (OUTPOST_SUSPEND_WINDOW_SECONDS, default 600). */
  suspendWindowSeconds: number;
  /** Largest public request body, in bytes (OUTPOST_MAX_REQUEST_BODY_MB, default 100 MB). */
  maxRequestBodyBytes: number;
  /** A request header the proxy in front sets to the client's address, its last hop trusted (OUTPOST_CLIENT_IP_HEADER; null: the connection's address). */
  clientIpHeader: string | null;
  /** Workers of one tenant loaded in one process, at most (OUTPOST_MAX_ISOLATES_PER_TENANT, default 100: the workers quota). */
  maxIsolatesPerTenant: number;
  /** Subrequests (fetches and binding calls) per invocation (OUTPOST_MAX_SUBREQUESTS, default 10,000). */
  maxSubrequests: number;
  /** Seconds an invocation keeps its I/O after its response, for ctx.waitUntil (OUTPOST_WAIT_UNTIL_SECONDS, default 30). */
  waitUntilSeconds: number;
  /** WebSockets one isolate may hold open in a process (OUTPOST_MAX_WEBSOCKETS, default 1,000). */
  maxWebSocketsPerIsolate: number;
  /** Small-call database connections one tenant may hold at once per process, of 4 (OUTPOST_DB_TENANT_CONNECTIONS, default 3). */
  databaseTenantConnections: number;
  /** MiB per second one tenant's calls may send to the database per process (OUTPOST_DB_TENANT_MIB_PER_SECOND, default 8). */
  databaseTenantMibPerSecond: number;
  /** This host's id (`<data dir>/host-id`): the owner of placed objects is a process of one host (runner/owners). */
  hostId: string;
  /** Seconds an object's owner holds its lease (OUTPOST_OWNER_LEASE_SECONDS, default 10). */
  ownerLeaseSeconds: number;
  /** Seconds between copies of a changed object to the blob store (OUTPOST_OBJECT_SNAPSHOT_SECONDS, default 60): the recovery point when its host is lost. */
  objectSnapshotSeconds: number;
  /** Days of an object's history kept for D1's Time Travel (OUTPOST_OBJECT_HISTORY_DAYS, default 7): its write log and older copies. */
  objectHistoryDays: number;
  /** The address every process's private socket listens on (OUTPOST_PRIVATE_HOST, default 127.0.0.1): its peers reach it there. */
  privateHost: string;
  /** Stored invocations kept per worker, the newest (OUTPOST_LOG_RETENTION_EVENTS, default 1000). */
  logRetentionEvents: number;
  /** Hours a stored invocation is kept (OUTPOST_LOG_RETENTION_HOURS, default 72). */
  logRetentionHours: number;
  /** An OpenTelemetry collector's OTLP/HTTP logs endpoint stored invocations are also sent to (OUTPOST_OTLP_LOGS_URL; null: none). */
  otlpLogsUrl: string | null;
}

/** An S3-compatible store for R2 object bytes. The secret key reaches workerd through its environment. */
export interface S3Config {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  /** Prepended to every blob name, so one bucket can serve several platforms. */
  prefix: string;
}
