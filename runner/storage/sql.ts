// Every statement the storage binding runs; $1 is always the bucket from props.
const OBJECT_COLUMNS = `key, version, size, etag, checksums, http_metadata, custom_metadata,
  (extract(epoch from uploaded) * 1000)::float8 AS uploaded, blobs, part_sizes`;

export const R2_SQL = {
  head: `SELECT ${OBJECT_COLUMNS} FROM r2_objects WHERE bucket_id = $1 AND key = $2`,

  // Returns the blobs the replaced object used, for deletion after commit.
  put: `WITH old AS (SELECT blobs FROM r2_objects WHERE bucket_id = $1 AND key = $2 FOR UPDATE),
        saved AS (
          INSERT INTO r2_objects (bucket_id, key, version, size, etag, checksums, http_metadata, custom_metadata, uploaded, blobs, part_sizes)
          VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8::text::jsonb, clock_timestamp(), $9::text[], $10::bigint[])
          ON CONFLICT (bucket_id, key) DO UPDATE SET version = excluded.version, size = excluded.size, etag = excluded.etag,
            checksums = excluded.checksums, http_metadata = excluded.http_metadata, custom_metadata = excluded.custom_metadata,
            uploaded = excluded.uploaded, blobs = excluded.blobs, part_sizes = excluded.part_sizes
          RETURNING ${OBJECT_COLUMNS})
        SELECT saved.*, coalesce((SELECT blobs FROM old), '{}') AS replaced FROM saved`,

  delete: `DELETE FROM r2_objects WHERE bucket_id = $1 AND key IN (SELECT decode(unnest($2::text[]), 'hex')) RETURNING blobs`,

  // [from, below) is the prefix's byte range (see kv/range.ts); no LIKE patterns.
  list: `SELECT ${OBJECT_COLUMNS} FROM r2_objects WHERE bucket_id = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4`,

  createUpload: `INSERT INTO r2_uploads (upload_id, bucket_id, key, http_metadata, custom_metadata)
                 VALUES ($2, $1, $3, $4::text::jsonb, $5::text::jsonb)`,

  upload: `SELECT http_metadata, custom_metadata FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 AND key = $3`,

  // Returns the blob a re-uploaded part replaces.
  putPart: `WITH old AS (SELECT blob FROM r2_upload_parts WHERE upload_id = $2 AND part_number = $3 FOR UPDATE),
            saved AS (
              INSERT INTO r2_upload_parts (upload_id, part_number, etag, md5, size, blob)
              SELECT $2, $3, $4, $5, $6, $7 FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2
              ON CONFLICT (upload_id, part_number) DO UPDATE SET etag = excluded.etag, md5 = excluded.md5, size = excluded.size, blob = excluded.blob
              RETURNING part_number)
            SELECT (SELECT part_number FROM saved) AS saved, (SELECT blob FROM old) AS replaced`,

  parts: `SELECT p.part_number, p.etag, p.md5, p.size, p.blob FROM r2_upload_parts p JOIN r2_uploads u USING (upload_id)
          WHERE u.bucket_id = $1 AND u.upload_id = $2 ORDER BY p.part_number`,

  // Deleting the upload frees the rows; the blobs that no object uses go to the garbage list.
  endUpload: `WITH gone AS (DELETE FROM r2_uploads WHERE bucket_id = $1 AND upload_id = $2 RETURNING upload_id)
              SELECT 1 AS ended FROM gone`,

  garbage: `INSERT INTO r2_garbage (blob) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
  collected: `DELETE FROM r2_garbage WHERE blob = ANY($1::text[])`,
};
