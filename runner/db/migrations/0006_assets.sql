-- Static assets: files are content-addressed per tenant (SHA-256), so an unchanged file is never
-- uploaded twice; each version holds its manifest (path → hash), so a rollback restores them.
CREATE TABLE asset_blobs (
  tenant      text NOT NULL REFERENCES tenants (id),
  hash        text NOT NULL,
  size        bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, hash)
);

ALTER TABLE versions ADD COLUMN assets jsonb;
