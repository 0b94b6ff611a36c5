import type { Database } from "./db/database.ts";

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
  /** The platform's own sockets, always refused to tenant egress. */
  ownPorts: number[];
}

export interface Env {
  LOADER: WorkerLoader;
  HYPERDRIVE: Hyperdrive;
  DATABASE: DurableObjectNamespace<Database>;
  /** workerd network service that only reaches public addresses (the SSRF guard). */
  INTERNET: Fetcher;
  /** workerd network service that reaches any address; used only for `egressAllow` entries. */
  ANY_NETWORK: Fetcher;
  CONFIG: RunnerConfig;
}
