// The blob store's intent log (table r2_garbage, named when only R2 had blobs; assets use it
// too): a blob is listed before it is written and leaves the list in the commit that points at
// it, so a crash mid-write leaves a listed blob for the sweep, never an unknown one.
import { sql } from "../db/client.ts";

/**
 * How long a blob being written may stay unclaimed before the sweep treats it as left behind by a
 * crash: longer than any single upload can take.
 */
export const PENDING_BLOB_GRACE = "1 day";

/** Not scoped to a bucket or tenant: blob names are unique. */
export const BLOB_SQL = {
  /** Before writing a blob: listed, due only if nothing claims it within PENDING_BLOB_GRACE. */
  pending: `INSERT INTO r2_garbage (blob, collect_after) VALUES ($1, now() + $2::interval)`,
  /** Blobs nothing points at any more: due at once. */
  garbage: `INSERT INTO r2_garbage (blob) SELECT unnest($1::text[])
            ON CONFLICT (blob) DO UPDATE SET collect_after = least(r2_garbage.collect_after, excluded.collect_after)`,
  collected: `DELETE FROM r2_garbage WHERE blob = ANY($1::text[])`,
  due: sql<{ blob: string }>(`SELECT blob FROM r2_garbage WHERE collect_after <= now() ORDER BY collect_after LIMIT $1`),
};
