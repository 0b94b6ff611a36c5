-- Stored invocation logs (runner/logs/store.ts): one row per invocation of a version with
-- observability on (its outcome, request, console lines and exceptions), read through
-- GET /v1/workers/:name/logs and /tail. Rows are always read by tenant and worker together, so a
-- name deleted and later deployed by another tenant never shows the first tenant's rows.
-- Retention per worker (count and age) is enforced with each batch (store_log_batch below).

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
  -- The request's headers (a fetch), bounded; credentials and the platform's own are left out.
  headers jsonb,
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

-- One batch of stored invocations, written in one call (runner/logs/store.ts): the runner's
-- Database object shares its thread with the requests it serves, so under load each round trip
-- waits its turn; one statement instead of a transaction of several keeps a batch quick.
--   batch: a JSON array of invocations (runner/logs/invocation.ts StoredInvocation);
--   drops: a JSON array of {tenant, worker, dropped}: invocations a process could not store;
--   keep_events, keep_seconds: retention per worker.
-- Batches of one worker are written one after the other, whichever process writes them (an
-- advisory lock per worker, taken in one order so two writers never deadlock): its ids become
-- visible in increasing order, so the tail, which reads the ids after the last it sent, misses
-- none; and each statement below runs after the lock with a snapshot of its own, so retention
-- sees every row. A lock waited for over a second (a slow database, a locked table) fails the
-- batch, which the caller counts as dropped: it is rolled back, never stored later.
CREATE FUNCTION store_log_batch(batch jsonb, drops jsonb, keep_events integer, keep_seconds integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  w record;
  cutoff bigint;
BEGIN
  PERFORM set_config('lock_timeout', '1000', true);
  FOR w IN SELECT DISTINCT r->>'tenant' AS tenant, r->>'worker' AS worker FROM jsonb_array_elements(batch) r ORDER BY 1, 2 LOOP
    PERFORM pg_advisory_xact_lock(hashtext(w.tenant || '/' || w.worker));
  END LOOP;

  INSERT INTO log_events (tenant, worker, version, at, trigger, outcome, method, path, status, duration_ms, cpu_ms,
                          request_id, headers, cron, queue, level_rank, logs, exceptions, dropped)
  SELECT r."tenant", r."worker", r."version", to_timestamp(r."atMs" / 1000), r."trigger", r."outcome", r."method", r."path",
         r."status", r."durationMs", r."cpuMs", r."requestId", r."headers", r."cron", r."queue", r."levelRank", r."logs", r."exceptions", r."dropped"
    FROM jsonb_to_recordset(batch) AS r("tenant" text, "worker" text, "version" text, "atMs" float8, "trigger" text,
         "outcome" text, "method" text, "path" text, "status" int, "durationMs" int, "cpuMs" int, "requestId" text, "headers" jsonb, "cron" text,
         "queue" text, "levelRank" int, "logs" jsonb, "exceptions" jsonb, "dropped" int);

  -- Per worker, with plain values: each DELETE is one range of an index.
  FOR w IN SELECT DISTINCT r->>'tenant' AS tenant, r->>'worker' AS worker FROM jsonb_array_elements(batch) r LOOP
    cutoff := (SELECT id FROM log_events WHERE tenant = w.tenant AND worker = w.worker ORDER BY id DESC OFFSET keep_events LIMIT 1);
    IF cutoff IS NOT NULL THEN
      DELETE FROM log_events WHERE tenant = w.tenant AND worker = w.worker AND id <= cutoff;
    END IF;
    DELETE FROM log_events WHERE tenant = w.tenant AND worker = w.worker AND at < now() - make_interval(secs => keep_seconds);
  END LOOP;

  INSERT INTO log_drops (tenant, worker, dropped)
  SELECT d.tenant, d.worker, d.dropped FROM jsonb_to_recordset(drops) AS d(tenant text, worker text, dropped bigint)
  ON CONFLICT (tenant, worker) DO UPDATE SET dropped = log_drops.dropped + excluded.dropped;
END
$$;
