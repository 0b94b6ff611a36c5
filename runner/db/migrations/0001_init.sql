-- Tenants own everything else. "default" exists so a single-team install needs no setup.
CREATE TABLE tenants (
  id          text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id) VALUES ('default');

-- Immutable, content-addressed worker versions (id = SHA-256 of code + settings + bindings).
CREATE TABLE versions (
  id                   text PRIMARY KEY,
  tenant               text NOT NULL REFERENCES tenants (id),
  worker               text NOT NULL,
  main_module          text NOT NULL,
  modules              jsonb NOT NULL,
  compatibility_date   text NOT NULL,
  compatibility_flags  text[] NOT NULL,
  bindings             jsonb NOT NULL,
  size_bytes           integer NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX versions_worker ON versions (worker, created_at);

-- A worker is a name (its hostname label) pointing at one version.
CREATE TABLE workers (
  name        text PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (id),
  version_id  text NOT NULL REFERENCES versions (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kv_namespaces (
  id          bigserial PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (id),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, name)
);

-- Keys are bytea so order and prefixes are exact UTF-8 byte order, as Cloudflare lists them,
-- and so any key Cloudflare accepts (NUL included) can be stored.
CREATE SEQUENCE kv_version_seq;
CREATE TABLE kv_entries (
  namespace_id  bigint NOT NULL REFERENCES kv_namespaces (id) ON DELETE CASCADE,
  key           bytea NOT NULL,
  value         bytea NOT NULL,
  metadata      text,
  expiration    bigint,
  version       bigint NOT NULL,
  PRIMARY KEY (namespace_id, key)
);
CREATE INDEX kv_entries_expiration ON kv_entries (expiration) WHERE expiration IS NOT NULL;

-- Platform-wide settings shared by every host (e.g. the key that signs list cursors).
CREATE TABLE settings (
  name   text PRIMARY KEY,
  value  text NOT NULL
);
INSERT INTO settings (name, value)
  VALUES ('cursor_key', encode(sha256(gen_random_uuid()::text::bytea || clock_timestamp()::text::bytea), 'hex'));
