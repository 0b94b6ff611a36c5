-- Stored invocation logs (runner/logs/store.ts): one row per invocation of a version with
-- observability on (its outcome, request, console lines and exceptions), read through
-- GET /v1/workers/:name/logs and /tail. Rows are always read by tenant and worker together, so a
-- name deleted and later deployed by another tenant never shows the first tenant's rows.
-- Retention per worker (count and age) is enforced by the writer after each batch.

-- `[observability] head_sampling_rate`: the share of invocations stored (1: all).
ALTER TABLE versions ADD COLUMN head_sampling_rate double precision NOT NULL DEFAULT 1;

CREATE TABLE log_events (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  worker text NOT NULL,
  version text NOT NULL,
  at timestamptz NOT NULL,
  trigger text NOT NULL,
  outcome text NOT NULL,
  method text,
  path text,
  status integer,
  duration_ms integer,
  cpu_ms integer,
  request_id text,
  cron text,
  queue text,
  -- The highest level among its lines: 0 none, 1 debug, 2 info (log), 3 warn, 4 error (exceptions too).
  level_rank smallint NOT NULL,
  logs jsonb NOT NULL,
  exceptions jsonb NOT NULL,
  -- Lines and exceptions not kept: over the per-invocation limit or the tenant's log quota.
  dropped integer NOT NULL DEFAULT 0
);
-- By id: the tail and retention (storing order); by time: pages of GET /logs.
CREATE INDEX log_events_by_worker ON log_events (tenant, worker, id);
CREATE INDEX log_events_by_time ON log_events (tenant, worker, at, id);

-- Events a process could not store (its buffer was full or the database refused the batch).
CREATE TABLE log_drops (
  tenant text NOT NULL,
  worker text NOT NULL,
  dropped bigint NOT NULL,
  PRIMARY KEY (tenant, worker)
);
