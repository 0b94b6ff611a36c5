-- r2_garbage becomes the blob store's intent log. A blob is listed *before* it is written, due
-- for collection only after a grace period; the statement that makes an object (or upload part)
-- point at it removes it from the list in the same commit. So a crash mid-write leaves a row
-- that the sweep collects later, never an unlisted file; replaced and deleted blobs are due at once.
ALTER TABLE r2_garbage ADD COLUMN collect_after timestamptz NOT NULL DEFAULT now();
CREATE INDEX r2_garbage_due ON r2_garbage (collect_after);
-- Multipart uploads left incomplete are aborted after 7 days, as R2 does.
CREATE INDEX r2_uploads_age ON r2_uploads (created_at);

-- R2's storage classes: recorded and reported (both classes live in the same blob store here).
ALTER TABLE r2_objects ADD COLUMN storage_class text NOT NULL DEFAULT 'Standard';
ALTER TABLE r2_uploads ADD COLUMN storage_class text NOT NULL DEFAULT 'Standard';
