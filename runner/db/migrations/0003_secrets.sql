-- Data keys for secrets: each version is HKDF(master key, salt). The master key never reaches
-- the database; `check_value` lets a host refuse to start with the wrong master key.
CREATE TABLE secret_keys (
  version      integer PRIMARY KEY,
  salt         bytea NOT NULL,
  check_value  bytea NOT NULL,
  active       boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX secret_keys_one_active ON secret_keys (active) WHERE active;

-- Secret values, encrypted (AES-256-GCM; the identity below is the associated data, so a
-- ciphertext copied to another row does not decrypt). scope: 'worker:<name>' for a worker's
-- secret bindings, 'vault' for the tenant's vault.
CREATE TABLE secrets (
  tenant       text NOT NULL REFERENCES tenants (id),
  scope        text NOT NULL,
  name         text NOT NULL,
  key_version  integer NOT NULL REFERENCES secret_keys (version),
  nonce        bytea NOT NULL,
  ciphertext   bytea NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, scope, name)
);
CREATE INDEX secrets_key_version ON secrets (key_version);

-- Bumped by every change to a worker's secrets: part of the isolate cache key, so the next
-- request runs with the new values without a new code version.
ALTER TABLE workers ADD COLUMN secrets_revision bigint NOT NULL DEFAULT 0;
