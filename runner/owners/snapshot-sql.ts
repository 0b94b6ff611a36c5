// Every statement about objects' copies in the blob store (object_snapshots, migrations 0024 and 0025). The
// invariant: a copy is published (the row points at its blob) only by the object's owner at the
// generation the copy was taken at, never over a newer generation's copy; its blob is listed in
// the blob intent log (runner/blobs/sql.ts) before it is written and claimed by the statement that
// publishes it, which lists the blob it replaces as garbage.
// From statement.ts itself, not client.ts: the ownership tests run these statements from Node.
import { sql } from "../db/statement.ts";

export interface SnapshotRow {
  /** bigint, as a string */
  generation: string;
  taken_at: Date;
  size_bytes: string;
  /** null: the object was new and empty */
  blob: string | null;
  /** bigint, as a string: the seq of the object's log the copy holds (null: taken before it had a log) */
  position: string | null;
  /** Since when its owner could not take a copy (null: the last attempt published one) */
  failing_since: Date | null;
  failing_reason: string | null;
}

export const SNAPSHOT_SQL = {
  /** $1 kind, $2 object id. */
  newest: sql<SnapshotRow>(
    `SELECT generation::text, taken_at, size_bytes::text, blob, position::text, failing_since, failing_reason FROM object_snapshots WHERE kind = $1 AND object_id = $2`,
  ),

  /**
   * Boot $4, owning ($1, $2) at generation $3, could not take a copy ($5: why): from now on the
   * newest copy is known to be stale, and no takeover restores it until a copy is published.
   */
  failing: `UPDATE object_snapshots s SET failing_since = coalesce(s.failing_since, now()), failing_reason = $5
      WHERE s.kind = $1 AND s.object_id = $2
        AND EXISTS (SELECT 1 FROM object_owners o WHERE o.kind = $1 AND o.object_id = $2 AND o.generation = $3::bigint AND o.boot = $4)`,

  /** Before an object is first taken: its newest copy is the empty object, before its log's first row. Never over a copy. */
  empty: `INSERT INTO object_snapshots (kind, object_id, generation, taken_at, size_bytes, blob, position) VALUES ($1, $2, 0, now(), 0, NULL, 0) ON CONFLICT DO NOTHING`,

  /**
   * Publishes blob $7 ($6 bytes, taken at $5 ms, holding the log up to seq $8; $9: kept when
   * replaced, whatever its age) as the copy of
   * ($1, $2) at generation $3, if boot $4 owns it at that generation and no newer generation's copy
   * is published. `published` 0: a stale owner's copy, which the caller deletes. The copy it
   * replaces is kept for time travel when the newest one kept is an hour older than it, or it was
   * marked to be (`kept`),
   * else `replaced` names its blob, no longer pointed at.
   */
  publish: sql<{ published: number; replaced: string | null }>(`WITH owner AS (
        SELECT 1 FROM object_owners WHERE kind = $1 AND object_id = $2 AND generation = $3::bigint AND boot = $4),
      old AS (SELECT blob, position, taken_at, size_bytes, keep FROM object_snapshots WHERE kind = $1 AND object_id = $2),
      published AS (
        INSERT INTO object_snapshots AS s (kind, object_id, generation, taken_at, size_bytes, blob, position, keep)
        SELECT $1, $2, $3::bigint, to_timestamp($5::float8 / 1000), $6::bigint, $7, $8::bigint, $9::boolean FROM owner
        ON CONFLICT (kind, object_id) DO UPDATE SET generation = excluded.generation, taken_at = excluded.taken_at,
          size_bytes = excluded.size_bytes, blob = excluded.blob, position = excluded.position, keep = excluded.keep, failing_since = NULL, failing_reason = NULL
        WHERE s.generation <= excluded.generation
        RETURNING 1),
      kept AS (
        INSERT INTO object_history (kind, object_id, position, taken_at, size_bytes, blob)
        SELECT $1, $2, o.position, o.taken_at, o.size_bytes, o.blob FROM old o
        WHERE o.position < $8::bigint AND EXISTS (SELECT 1 FROM published)
          AND (o.keep OR NOT EXISTS (SELECT 1 FROM object_history h WHERE h.kind = $1 AND h.object_id = $2 AND h.taken_at > o.taken_at - interval '1 hour'))
        ON CONFLICT DO NOTHING RETURNING 1),
      gone AS (SELECT blob FROM old WHERE blob IS NOT NULL AND EXISTS (SELECT 1 FROM published) AND NOT EXISTS (SELECT 1 FROM kept)),
      claimed AS (DELETE FROM r2_garbage WHERE blob = $7 AND EXISTS (SELECT 1 FROM published)),
      freed AS (INSERT INTO r2_garbage (blob) SELECT blob FROM gone
        ON CONFLICT (blob) DO UPDATE SET collect_after = least(r2_garbage.collect_after, excluded.collect_after))
      SELECT (SELECT count(*) FROM published)::int AS published, (SELECT blob FROM gone) AS replaced`),

  /** An object gone for good: its copy is forgotten and its blob due for collection. */
  forget: `WITH gone AS (DELETE FROM object_snapshots WHERE kind = $1 AND object_id = $2 RETURNING blob)
      INSERT INTO r2_garbage (blob) SELECT blob FROM gone WHERE blob IS NOT NULL
      ON CONFLICT (blob) DO UPDATE SET collect_after = least(r2_garbage.collect_after, excluded.collect_after)`,
};
