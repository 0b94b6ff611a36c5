// A tenant's D1 history (write logs and older copies kept for time travel, runner/owners) against
// its `d1_history_bytes` quota. Nothing is refused for it: a write is the tenant's data, its history
// only a way back. The sweep forgets the oldest history of a tenant over its quota instead, one
// stretch at a time: its oldest kept copy and the log up to the next copy (time travel then reaches
// less far back for that tenant). A database's newest copy and the log after it, which a takeover
// needs, are never forgotten.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { log } from "../logs/log.ts";
import { D1_SQL } from "./sql.ts";

/** Stretches forgotten per sweep at most: a sweep is bounded, the next one goes on. */
const STRETCHES_PER_SWEEP = 200;

export async function forgetHistoryOverQuota(env: Env): Promise<number> {
  let forgotten = 0;
  for (const { tenant } of await database(env).query(D1_SQL.historyOverQuota, [])) {
    for (;;) {
      if (forgotten >= STRETCHES_PER_SWEEP) return forgotten;
      const [stretch] = await database(env).query(D1_SQL.forgetOldestHistory, [tenant]);
      if (!stretch) break;
      forgotten++;
      if (!stretch.still_over) break;
    }
    log.warn(`tenant ${tenant} was over its d1_history_bytes quota: its oldest D1 history was forgotten`, { tenant });
  }
  return forgotten;
}
