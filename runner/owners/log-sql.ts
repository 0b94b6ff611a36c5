// Every statement about objects' write logs and older copies in the blob store (migration 0025).
// The invariants: a segment is published only by the object's owner at the generation it names,
// locking the owner's row while it does (a takeover's new generation waits for it, then sees it),
// and never over or before a published segment; a blob is listed in the blob intent log
// (runner/blobs/sql.ts) before it is written and claimed by the statement that publishes it.
import { sql } from "../db/statement.ts";

export interface SegmentRow {
  first_seq: string;
  last_seq: string;
  first_at: Date | null;
  last_at: Date | null;
  size_bytes: string;
  blob: string;
}

/** A copy a replay may start from: the newest (object_snapshots) or an older one kept (object_history). */
export interface BaseRow {
  position: string;
  taken_at: Date;
  size_bytes: string;
  blob: string | null;
  generation: string | null;
}

export const LOG_SQL = {
  /**
   * Publishes blob $10 ($9 bytes) as rows $5..$6 (first and last commits at $7 and $8 ms, or null) of ($1, $2)'s log, if
   * boot $4 owns it at generation $3 and the rows follow the newest segment. `published` 0: the
   * caller deletes the blob.
   */
  publish: sql<{ published: number }>(`WITH owner AS (
        SELECT 1 FROM object_owners WHERE kind = $1 AND object_id = $2 AND generation = $3::bigint AND boot = $4 FOR SHARE),
      published AS (
        INSERT INTO object_log_segments (kind, object_id, first_seq, last_seq, first_at, last_at, generation, size_bytes, blob)
        SELECT $1, $2, $5::bigint, $6::bigint, to_timestamp($7::float8 / 1000), to_timestamp($8::float8 / 1000), $3::bigint, $9::bigint, $10 FROM owner
        WHERE $5::bigint > coalesce((SELECT max(last_seq) FROM object_log_segments WHERE kind = $1 AND object_id = $2), 0)
        RETURNING 1),
      claimed AS (DELETE FROM r2_garbage WHERE blob = $10 AND EXISTS (SELECT 1 FROM published))
      SELECT (SELECT count(*) FROM published)::int AS published`),

  /** $1 kind, $2 object id: the seq its shipped log reaches (0: none shipped). */
  shipped: sql<{ seq: string }>(`SELECT coalesce(max(last_seq), 0)::text AS seq FROM object_log_segments WHERE kind = $1 AND object_id = $2`),

  /** ($1, $2)'s segments holding rows after seq $3, in order (of the column: the text it is answered as would sort 15 before 9). */
  segmentsAfter: sql<SegmentRow>(`SELECT s.first_seq::text, s.last_seq::text, s.first_at, s.last_at, s.size_bytes::text, s.blob FROM object_log_segments s
      WHERE s.kind = $1 AND s.object_id = $2 AND s.last_seq > $3::bigint ORDER BY s.first_seq`),

  /** ($1, $2)'s newest segment whose first commit is at or before $3 (ms): the one holding the object's state then, if any does. */
  segmentAt: sql<SegmentRow>(`SELECT s.first_seq::text, s.last_seq::text, s.first_at, s.last_at, s.size_bytes::text, s.blob FROM object_log_segments s
      WHERE s.kind = $1 AND s.object_id = $2 AND s.first_at <= to_timestamp($3::float8 / 1000) ORDER BY s.first_seq DESC LIMIT 1`),

  /** ($1, $2)'s copies a replay may start from, newest first: its newest copy and the older ones kept. */
  bases: sql<BaseRow>(`SELECT position::text, taken_at, size_bytes::text, blob, generation::text FROM (
        SELECT position, taken_at, size_bytes, blob, generation FROM object_snapshots
          WHERE kind = $1 AND object_id = $2 AND position IS NOT NULL AND failing_since IS NULL
        UNION ALL
        SELECT position, taken_at, size_bytes, blob, NULL FROM object_history WHERE kind = $1 AND object_id = $2) AS copies
      ORDER BY copies.position DESC, copies.taken_at DESC`),

  /**
   * History older than $1 days forgotten: of each object's copies taken before the window, all but
   * the newest (a restore to the window's first moment starts from it), and the segments before the
   * oldest copy kept. Their blobs are due for collection.
   */
  expire: `WITH bases AS (
        SELECT kind, object_id, position, taken_at FROM object_history
        UNION ALL SELECT kind, object_id, position, taken_at FROM object_snapshots WHERE position IS NOT NULL),
      floors AS (
        SELECT kind, object_id, max(taken_at) AS taken_at FROM bases WHERE taken_at <= now() - make_interval(days => $1::int) GROUP BY kind, object_id),
      old_copies AS (
        DELETE FROM object_history h USING floors f WHERE h.kind = f.kind AND h.object_id = f.object_id AND h.taken_at < f.taken_at RETURNING h.blob),
      kept_from AS (
        SELECT b.kind, b.object_id, min(b.position) AS position FROM bases b LEFT JOIN floors f ON f.kind = b.kind AND f.object_id = b.object_id
        WHERE f.taken_at IS NULL OR b.taken_at >= f.taken_at GROUP BY b.kind, b.object_id),
      old_segments AS (
        DELETE FROM object_log_segments s USING kept_from k WHERE s.kind = k.kind AND s.object_id = k.object_id AND s.last_seq <= k.position
        RETURNING s.blob)
      INSERT INTO r2_garbage (blob) SELECT blob FROM old_copies WHERE blob IS NOT NULL UNION ALL SELECT blob FROM old_segments
      ON CONFLICT (blob) DO UPDATE SET collect_after = least(r2_garbage.collect_after, excluded.collect_after)`,

  /** An object gone for good: its log and older copies are forgotten and their blobs due for collection. */
  forget: `WITH segments AS (DELETE FROM object_log_segments WHERE kind = $1 AND object_id = $2 RETURNING blob),
      copies AS (DELETE FROM object_history WHERE kind = $1 AND object_id = $2 RETURNING blob)
      INSERT INTO r2_garbage (blob) SELECT blob FROM segments UNION ALL SELECT blob FROM copies WHERE blob IS NOT NULL
      ON CONFLICT (blob) DO UPDATE SET collect_after = least(r2_garbage.collect_after, excluded.collect_after)`,
};
