import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { SWEEP_BATCH } from "./constants.ts";
import { now } from "./entrypoint.ts";
import { KV_SQL } from "./sql.ts";

/** Deletes up to `batches` × SWEEP_BATCH expired entries; returns how many went. */
export async function sweepExpired(env: Env, batches: number): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < batches; i++) {
    const [row] = await database(env).query(KV_SQL.sweep, [now(), SWEEP_BATCH]);
    const n = row?.deleted ?? 0;
    deleted += n;
    if (n < SWEEP_BATCH) break;
  }
  return deleted;
}
