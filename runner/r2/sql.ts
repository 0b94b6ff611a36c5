// Every statement the R2 binding runs. In the binding's own, $1 is always the bucket from props;
// createBuckets (the deploy's) and bucketIds (the loader's) take the version's tenant instead, and
// the sweep's (lockStaleUploads, abortStaleUploads) the age of a stale upload.
import { sql } from "../db/client.ts";
import type { StorageClass } from "./constants.ts";
import type { ObjectMeta } from "./contract.ts";

/**
 * An object as OBJECT_COLUMNS reads it. `size` and `part_sizes` are bigint: postgres.js returns
 * them as strings. The jsonb columns hold what the runner stored (JSON.stringify of the same
 * shapes); `uploaded` is epoch ms.
 */
export interface ObjectRow {
  key: Uint8Array;
  version: string;
  size: string;
  etag: string;
  checksums: ObjectMeta["checksums"];
  http_metadata: Record<string, string>;
  custom_metadata: Record<string, string>;
  uploaded: number;
  blobs: string[];
  part_sizes: string[];
  storage_class: StorageClass;
}

/** A written object, with the blobs it replaced. */
export type SavedObjectRow = ObjectRow & { replaced: string[] };

/** A stored part of a multipart upload; `size` is bigint (a string). */
export interface PartRow {
  part_number: number;
  etag: string;
  md5: string;
  size: string;
  blob: string;
}

/** The parts query's row for an upload that has no parts yet (a LEFT JOIN's nulls). */
export type NoPartRow = { [K in keyof PartRow]: null };

export type UploadRow = Pick<ObjectRow, "http_metadata" | "custom_metadata" | "storage_class">;
const OBJECT_COLUMNS = `key, version, size, etag, checksums, http_metadata, custom_metadata,
  (extract(epoch from uploaded) * 1000)::float8 AS uploaded, blobs, part_sizes, storage_class`;

const NEW_OBJECT = `INSERT INTO r2_objects (bucket_id, key, version, size, etag, checksums, http_metadata, custom_metadata, uploaded, blobs, part_sizes, storage_class)
  VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8::text::jsonb, clock_timestamp(), $9::text[], $10::bigint[], $11)`;
const SET_OBJECT = `version = $3, size = $4, etag = $5, checksums = $6::text::jsonb, http_metadata = $7::text::jsonb,
  custom_metadata = $8::text::jsonb, uploaded = clock_timestamp(), blobs = $9::text[], part_sizes = $10::bigint[], storage_class = $11`;

/**
 * Points the key at new blobs ($9) and returns the object with the blobs it replaced, for
 * deletion after commit. The new blobs leave the pending list (r2_garbage) in the same commit.
 * `when` makes the write conditional, atomically: "absent" writes only if no object exists,
 * "version" only if the current object's version is still $12. No row back: nothing written.
 *
 * `old` in RETURNING (Postgres 18) is the row as this statement found it, locked: the version it
 * replaced even when another write committed in between, so concurrent writers of one key each
 * report a different blob. (A `SELECT … FOR UPDATE` in a CTE cannot: it runs after the update and
 * skips the row the update changed, so every replaced blob leaked.)
 */
function putStatement(when: "always" | "absent" | "version") {
  const saved = {
    always: `${NEW_OBJECT} ON CONFLICT (bucket_id, key) DO UPDATE SET ${SET_OBJECT}`,
    absent: `${NEW_OBJECT} ON CONFLICT (bucket_id, key) DO NOTHING`,
    // The update re-checks the version on the newest row once it holds the row's lock.
    version: `UPDATE r2_objects SET ${SET_OBJECT} WHERE bucket_id = $1 AND key = $2 AND version = $12`,
  }[when];
  return sql<SavedObjectRow>(`WITH saved AS (${saved} RETURNING ${OBJECT_COLUMNS}, coalesce(old.blobs, '{}') AS replaced),
          kept AS (DELETE FROM r2_garbage WHERE blob = ANY($9::text[]) AND EXISTS (SELECT 1 FROM saved))
          SELECT * FROM saved`);
}

export const R2_SQL = {
  /** A deploy creates the buckets its version names ($1 tenant, $2 names). */
  createBuckets: "INSERT INTO r2_buckets (tenant, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",

  /** The admin API's buckets ($1 tenant, or null for every tenant's). */
  buckets: sql<{ name: string; tenant: string; created_at: string }>(
    "SELECT name, tenant, created_at FROM r2_buckets WHERE $1::text IS NULL OR tenant = $1 ORDER BY tenant, name",
  ),

  /** No row: the tenant has a bucket of that name already. */
  createBucket: sql<{ name: string }>("INSERT INTO r2_buckets (tenant, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING name"),

  // Only an empty bucket goes (as in R2; its objects' blobs would otherwise leak), and none a
  // stored version binds: its worker could not load without it.
  deleteBucket: sql<{ found: boolean; empty: boolean; bound_by: string | null }>(`WITH bucket AS (SELECT id FROM r2_buckets WHERE tenant = $1 AND name = $2),
            empty AS (SELECT NOT EXISTS (SELECT 1 FROM r2_objects WHERE bucket_id IN (SELECT id FROM bucket))
                         AND NOT EXISTS (SELECT 1 FROM r2_uploads WHERE bucket_id IN (SELECT id FROM bucket)) AS empty),
            bound AS (SELECT worker FROM versions WHERE tenant = $1 AND EXISTS (SELECT 1 FROM jsonb_each_text(bindings->'r2') b WHERE b.value = $2) LIMIT 1),
            gone AS (DELETE FROM r2_buckets WHERE id IN (SELECT id FROM bucket) AND (SELECT empty FROM empty) AND NOT EXISTS (SELECT 1 FROM bound) RETURNING id)
          SELECT EXISTS (SELECT 1 FROM bucket) AS found, (SELECT empty FROM empty) AS empty, (SELECT worker FROM bound) AS bound_by`),

  bucketIds: sql<{ id: string; name: string }>("SELECT id::text AS id, name FROM r2_buckets WHERE tenant = $1 AND name = ANY($2::text[])"),

  head: sql<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM r2_objects WHERE bucket_id = $1 AND key = $2`),

  // Before a blob is written: refused (quota_check raises, migration 0015) when writing $4 bytes
  // at key $2 ($2 null: a part) would leave tenant $3 over its r2_bytes quota. $4 is 0 for a
  // stream of unknown length; the write's own statement checks the exact size in any case.
  fitsQuota: `SELECT quota_check($3, 'r2_bytes', quota_used($3, 'r2_bytes') + $4
                - coalesce((SELECT size FROM r2_objects WHERE bucket_id = $1 AND key = $2), 0), 'bytes')`,

  put: putStatement("always"),
  putIfAbsent: putStatement("absent"),
  putIfVersion: putStatement("version"),

  delete: sql<Pick<ObjectRow, "blobs">>(`DELETE FROM r2_objects WHERE bucket_id = $1 AND key IN (SELECT decode(unnest($2::text[]), 'hex')) RETURNING blobs`),

  // [from, below) is the prefix's byte range (see runner/key-range.ts); no LIKE patterns.
  list: sql<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM r2_objects WHERE bucket_id = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4`),

  createUpload: `INSERT INTO r2_uploads (upload_id, bucket_id, key, http_metadata, custom_metadata, storage_class)
                 VALUES ($2, $1, $3, $4::text::jsonb, $5::text::jsonb, $6)`,

  upload: sql<UploadRow>(`SELECT http_metadata, custom_metadata, storage_class FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 AND key = $3`),

  // Returns the blob a re-uploaded part replaces (`old`: the part row as found, locked; null for a
  // new part); the part's blob leaves the pending list. No row: no such upload (nothing written).
  // FOR KEY SHARE holds off lockUpload (and so the upload's end) until this part is committed.
  putPart: sql<{
    replaced: string | null;
  }>(`WITH saved AS (
              INSERT INTO r2_upload_parts (upload_id, part_number, etag, md5, size, blob)
              SELECT $2, $3, $4, $5, $6, $7 FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 FOR KEY SHARE
              ON CONFLICT (upload_id, part_number) DO UPDATE SET etag = excluded.etag, md5 = excluded.md5, size = excluded.size, blob = excluded.blob
              RETURNING old.blob AS replaced),
            kept AS (DELETE FROM r2_garbage WHERE blob = $7 AND EXISTS (SELECT 1 FROM saved))
            SELECT replaced FROM saved`),

  // One row per part, or one of nulls for an upload without parts; no row: no such upload (any more).
  parts: sql<PartRow | NoPartRow>(`SELECT p.part_number, p.etag, p.md5, p.size, p.blob FROM r2_uploads u LEFT JOIN r2_upload_parts p USING (upload_id)
          WHERE u.bucket_id = $1 AND u.upload_id = $2 ORDER BY p.part_number`),

  // Ending an upload: lockUpload, then endUpload in the same transaction. The lock waits for the
  // parts being written (putPart) and keeps new ones out, so endUpload, whose snapshot is taken
  // after it, sees every part. No row: the upload had ended already.
  lockUpload: "SELECT 1 FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 FOR UPDATE",

  // A completion's check, after lockUpload: the parts it chose ($3, their blobs) are still stored,
  // none re-uploaded (and its old blob freed) since it read them. No row: one was.
  partsKept: "SELECT 1 FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 AND $3::text[] <@ ARRAY(SELECT blob FROM r2_upload_parts WHERE upload_id = $2)",

  // Deleting the upload frees its part rows (ON DELETE CASCADE) and returns their blobs, one row
  // per part (one with a null blob if it had none); no row: the upload had ended already.
  endUpload: sql<{ blob: string | null }>(`WITH gone AS (DELETE FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 RETURNING upload_id)
              SELECT p.blob FROM gone LEFT JOIN r2_upload_parts p USING (upload_id)`),

  // Incomplete multipart uploads older than the limit are aborted: their parts become garbage.
  // As for one upload: lockStaleUploads (in key order, so sweeping hosts cannot deadlock), then
  // abortStaleUploads in the same transaction.
  lockStaleUploads: "SELECT 1 FROM r2_uploads WHERE created_at < now() - $1::interval ORDER BY upload_id FOR UPDATE",
  abortStaleUploads: sql<{ aborted: number }>(`WITH gone AS (DELETE FROM r2_uploads WHERE created_at < now() - $1::interval RETURNING upload_id),
               freed AS (INSERT INTO r2_garbage (blob) SELECT blob FROM r2_upload_parts WHERE upload_id IN (SELECT upload_id FROM gone)
                         ON CONFLICT (blob) DO UPDATE SET collect_after = now())
               SELECT count(*)::int AS aborted FROM gone`),
};
