// What a tenant's quotas limit. The default numbers are in cli/quota-defaults.js (the CLI writes
// them to the database at start, where the storage triggers read them, migration 0015); an
// operator's override for one tenant is a row of tenant_quotas.
import { PlatformError } from "../errors.ts";

interface Resource {
  /** How the error and `outpost usage` count it. */
  unit: string;
  /** The admin edge's status when a change would exceed it. */
  status: 403 | 413 | 429;
}

export const QUOTA_RESOURCES = {
  kv_bytes: { unit: "bytes", status: 413 },
  r2_bytes: { unit: "bytes", status: 413 },
  queue_messages: { unit: "messages", status: 413 },
  queue_bytes: { unit: "bytes", status: 413 },
  secrets: { unit: "secrets", status: 403 },
  workers: { unit: "workers", status: 403 },
  versions: { unit: "versions", status: 403 },
  routes: { unit: "routes", status: 403 },
  domains: { unit: "domains", status: 403 },
  tokens: { unit: "tokens", status: 403 },
  deploys_per_minute: { unit: "deploys", status: 429 },
  log_bytes_per_minute: { unit: "bytes", status: 429 },
  d1_databases: { unit: "databases", status: 403 },
  d1_bytes: { unit: "bytes", status: 413 },
  /** Never refuses a change: the sweep forgets the tenant's oldest D1 history while it is over (runner/d1/history-quota.ts). */
  d1_history_bytes: { unit: "bytes", status: 413 },
} as const satisfies Record<string, Resource>;

export type QuotaResource = keyof typeof QUOTA_RESOURCES;

export const QUOTA_NAMES = Object.keys(QUOTA_RESOURCES) as QuotaResource[];

// As quota_check (migration 0015) raises it; across the database object's RPC it arrives prefixed
// with the driver's error name.
const EXCEEDED = /^(?:PostgresError: )?(tenant \S+ is over its (\w+) quota \(.*)$/s;

/** A change refused because it would exceed a quota; the message names the tenant, quota and numbers. */
export class QuotaExceeded extends Error {
  override name = "Error";
  constructor(
    readonly resource: QuotaResource,
    message: string,
  ) {
    super(message);
  }
}

/** The quota refusal `error` is (raised by quota_check in SQL), without the driver's prefix; undefined for any other error. */
export function quotaRefusal(error: unknown): QuotaExceeded | undefined {
  if (error instanceof QuotaExceeded) return error;
  const match = error instanceof Error ? EXCEEDED.exec(error.message) : null;
  const [, message, resource] = match ?? [];
  return message !== undefined && resource !== undefined && resource in QUOTA_RESOURCES ? new QuotaExceeded(resource as QuotaResource, message) : undefined;
}

/** A quota refusal as the admin API answers it; other errors unchanged. */
export function quotaError<E extends Error>(error: E): E | PlatformError {
  const refusal = quotaRefusal(error);
  return refusal === undefined ? error : new PlatformError("ERR_QUOTA_EXCEEDED", QUOTA_RESOURCES[refusal.resource].status, refusal.message);
}
