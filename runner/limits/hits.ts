// Limit hits per worker, counted in this process and written to `limit_hits` (migration 0016) in
// one statement, at most once a second: no database work on the hot path, and a worker making
// thousands of refused calls costs one small upsert a second.
import type { Env } from "../env.ts";
import { database } from "../db/client.ts";
import type { LimitName } from "./policy.ts";

interface PendingHits {
  tenant: string;
  worker: string;
  limit: LimitName;
  hits: number;
}

/** Hits not yet written, by "tenant worker limit" (names hold no spaces). */
const pending = new Map<string, PendingHits>();
const FLUSH_EVERY_MS = 1_000;
let lastFlush = 0;

export function countHit(tenant: string, worker: string, limit: LimitName): void {
  const key = `${tenant} ${worker} ${limit}`;
  const entry = pending.get(key);
  if (entry) entry.hits += 1;
  else pending.set(key, { tenant, worker, limit, hits: 1 });
}

/**
 * Writes the pending hits, unless there are none or the last write was under a second ago (called
 * with ctx.waitUntil after a refused call and after each public request, so hits left by the
 * throttle are written by the next one).
 */
export async function flushHits(env: Env): Promise<void> {
  const now = Date.now();
  if (pending.size === 0 || now - lastFlush < FLUSH_EVERY_MS) return;
  lastFlush = now;
  const rows = [...pending.values()];
  pending.clear();
  await database(env).query(
    `INSERT INTO limit_hits (tenant, worker, limit_name, hits)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
     ON CONFLICT (tenant, worker, limit_name) DO UPDATE SET hits = limit_hits.hits + EXCLUDED.hits, last_at = now()`,
    [rows.map((row) => row.tenant), rows.map((row) => row.worker), rows.map((row) => row.limit), rows.map((row) => row.hits)],
  );
}

/** A worker's hits by limit name, for its owner and the operator (GET /v1/workers/:name). */
export async function hitsOf(env: Env, tenant: string, worker: string): Promise<Record<string, number>> {
  const rows = await database(env).query<{ limit_name: string; hits: string }>(
    "SELECT limit_name, hits::text AS hits FROM limit_hits WHERE tenant = $1 AND worker = $2",
    [tenant, worker],
  );
  return Object.fromEntries(rows.map((row) => [row.limit_name, Number(row.hits)]));
}
