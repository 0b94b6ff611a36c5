import type { RunnerConfig } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { D1DatabaseObject } from "./d1/object.ts";
import type { SchedulerRpc } from "./scheduler/status.ts";

export type { RunnerConfig };

export interface Env {
  LOADER: WorkerLoader;
  HYPERDRIVE: Hyperdrive;
  DATABASE: DurableObjectNamespace<Database>;
  /** workerd network service that only reaches public addresses (the SSRF guard). */
  INTERNET: Fetcher;
  /** workerd network service that reaches any address; used only for `egressAllow` entries. */
  ANY_NETWORK: Fetcher;
  CONFIG: RunnerConfig;
  /** The blob store for R2 objects on local disk: a workerd disk service (`<data dir>/blobs`). */
  BLOBS: Fetcher;
  /** The S3 secret access key for the `s3` blob driver, from workerd's environment. */
  S3_SECRET_ACCESS_KEY?: string;
  /** The secrets master key (base64), from workerd's environment: never in the config file. */
  MASTER_KEY: string;
  /** Per-start secret from workerd's environment that marks the runner's log lines (logs/log.ts). */
  LOG_NONCE?: string;
  /** "probation" in the process that runs workers on probation one request at a time, else "pool". */
  PROCESS_ROLE?: string;
  /** Per-start secret from workerd's environment on requests forwarded to the probation process. */
  FORWARD_SECRET?: string;
  /** One per process: the queue dispatcher's and cron ticker's timers (runner/scheduler/scheduler.ts). */
  SCHEDULER: DurableObjectNamespace<SchedulerRpc>;
  /** A queue binding to the runner's own QueueCodec: workerd's V8 serializer for `v8` bodies. */
  V8_QUEUE: Queue;
  /** This process's seat (runner/owners/seat.ts): the disk service `seat`, its directory given per process. */
  SEAT: Fetcher;
  /** The seat's name (`slot-<n>` or `probation`) and this process's private address (`host:port`), from the pool. */
  SEAT_NAME?: string;
  PRIVATE_ADDRESS?: string;
  /** The D1 databases' objects (runner/d1/object.ts), in the D1 worker service; reached only through d1/owner.ts. */
  D1: DurableObjectNamespace<D1DatabaseObject>;
}
