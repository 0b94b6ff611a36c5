-- Versions: an optional message, and the deploy-time order "ascending deploy time, ties broken
-- by (worker, content hash)" served by one index.
ALTER TABLE versions ADD COLUMN message text;
-- Named exports that are classes (entrypoints for service bindings), found by the deploy-time
-- load check; derived from the modules, so not part of the content hash.
ALTER TABLE versions ADD COLUMN entrypoints text[] NOT NULL DEFAULT '{}';
DROP INDEX versions_worker;
CREATE INDEX versions_deploy_order ON versions (worker, created_at, id);

-- Gradual rollout: a share of the worker's traffic goes to a second version.
ALTER TABLE workers
  ADD COLUMN rollout_version_id text REFERENCES versions (id),
  ADD COLUMN rollout_percent smallint CHECK (rollout_percent BETWEEN 0 AND 100),
  ADD CONSTRAINT rollout_complete CHECK ((rollout_version_id IS NULL) = (rollout_percent IS NULL));

-- Cloudflare-style route patterns (host with an optional leading *, path with an optional
-- trailing *). A pattern belongs to one worker; a deploy replaces that worker's set.
CREATE TABLE routes (
  pattern     text PRIMARY KEY,
  worker      text NOT NULL REFERENCES workers (name) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routes_worker ON routes (worker);

-- Admin tokens besides the operator's: stored as SHA-256 only. tenant NULL = operator token.
CREATE TABLE admin_tokens (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  tenant      text REFERENCES tenants (id),
  sha256      text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
