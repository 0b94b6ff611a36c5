import type { RunnerConfig } from "./config.ts";
import type { Database } from "./db/database.ts";

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
  /** The secrets master key (base64), from workerd's environment: never in the config file. */
  MASTER_KEY: string;
}
