-- Presigned URLs and list cursors are signed with a key derived from the master key and the
-- active data key (runner/vault/signing.ts); the key that sat here in the clear goes.
DELETE FROM settings WHERE name = 'cursor_key';

-- KV versions: 128 random bits per write (chosen by the runner), not a global sequence that let
-- a tenant watch every other tenant's write rate. Existing entries get fresh random versions.
ALTER TABLE kv_entries ALTER COLUMN version TYPE text USING replace(gen_random_uuid()::text, '-', '');
DROP SEQUENCE kv_version_seq;

-- An asset upload writes a fresh blob, checks it, and only then records it here: bytes that do
-- not match their hash never touch a blob that serves. Earlier uploads kept the fixed name.
ALTER TABLE asset_blobs ADD COLUMN blob text;
UPDATE asset_blobs SET blob = 'assets-' || tenant || '-' || hash;
ALTER TABLE asset_blobs ALTER COLUMN blob SET NOT NULL;
