import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { log } from "../logs/log.ts";

/** How long a tenant's log quota is used before it is read again: a change applies within this. */
const TTL_MS = 60_000;
const limits = new Map<string, { limit: number | null; at: number }>();

/** The quota as last read while it is fresh, else undefined (then logLimit reads it). */
export function knownLogLimit(tenant: string): number | null | undefined {
  const cached = limits.get(tenant);
  return cached && Date.now() - cached.at < TTL_MS ? cached.limit : undefined;
}

/** The tenant's log_bytes_per_minute quota (null: none, or the database could not say: logs are not refused for that). */
export async function logLimit(env: Env, tenant: string): Promise<number | null> {
  const cached = limits.get(tenant);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.limit;
  const limit = await database(env)
    .query<{ quota: string | null }>("SELECT quota_limit($1, 'log_bytes_per_minute')::text AS quota", [tenant])
    .then(([row]) => (row?.quota == null ? null : Number(row.quota)))
    .catch((error: unknown) => {
      log.warn("could not read a tenant's log quota; its logs are not limited meanwhile", { tenant, error: String(error) });
      return cached?.limit ?? null;
    });
  limits.delete(tenant);
  limits.set(tenant, { limit, at: Date.now() });
  if (limits.size > 10_000) limits.delete(limits.keys().next().value as string);
  return limit;
}
