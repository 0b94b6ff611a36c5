-- R2-style buckets: object metadata here, bytes in the blob store (local disk or S3).
CREATE TABLE r2_buckets (
  id          bigserial PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (id),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, name)
);

-- Keys are bytea: UTF-8 byte order for listing, any key R2 accepts. An object is one blob, or
-- the blobs of its multipart parts in order (`part_sizes` lets ranges cross them).
CREATE TABLE r2_objects (
  bucket_id        bigint NOT NULL REFERENCES r2_buckets (id) ON DELETE CASCADE,
  key              bytea NOT NULL,
  version          text NOT NULL,
  size             bigint NOT NULL,
  etag             text NOT NULL,
  checksums        jsonb NOT NULL,
  http_metadata    jsonb NOT NULL,
  custom_metadata  jsonb NOT NULL,
  uploaded         timestamptz NOT NULL,
  blobs            text[] NOT NULL,
  part_sizes       bigint[] NOT NULL,
  PRIMARY KEY (bucket_id, key)
);

CREATE TABLE r2_uploads (
  upload_id        text PRIMARY KEY,
  bucket_id        bigint NOT NULL REFERENCES r2_buckets (id) ON DELETE CASCADE,
  key              bytea NOT NULL,
  http_metadata    jsonb NOT NULL,
  custom_metadata  jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE r2_upload_parts (
  upload_id    text NOT NULL REFERENCES r2_uploads (upload_id) ON DELETE CASCADE,
  part_number  integer NOT NULL,
  etag         text NOT NULL,
  md5          text NOT NULL,
  size         bigint NOT NULL,
  blob         text NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);

-- Blobs no longer referenced (replaced, deleted, aborted), deleted from the blob store after
-- the metadata change commits; a crash in between leaves a row here, not a leak.
CREATE TABLE r2_garbage (
  blob        text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);
