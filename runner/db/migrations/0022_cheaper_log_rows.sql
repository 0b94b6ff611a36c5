-- A cheaper stored invocation (runner/logs/store.ts; docs/benchmarks.md, "Logs and tails"): Postgres
-- spent about as much CPU per stored invocation as a third of a hello-world request.
-- 1. Retention by count and age runs in the per-minute sweep (expire_logs below) instead of with
--    every batch. Between sweeps a worker may hold more than its count: reads show only its newest
--    keep_events rows (runner/logs/sql.ts), so the API never shows more.
-- 2. The request's headers, the lines and the exceptions are json (the text, checked once) rather
--    than jsonb (parsed into a binary form on every insert), and the batch is read as json.
-- 3. One index instead of three: (tenant, worker, id). The tail reads by id; a page of the API
--    reads a worker's newest keep_events rows by id and sorts them by time; the sweep and a
--    deleted worker's rows use it too.
ALTER TABLE log_events DROP CONSTRAINT log_events_pkey;
DROP INDEX log_events_by_time;
ALTER TABLE log_events ALTER COLUMN headers TYPE json, ALTER COLUMN logs TYPE json, ALTER COLUMN exceptions TYPE json;

-- One batch of stored invocations, written in one call, as in 0020 (the writer's fence settles a
-- batch in doubt; the advisory lock per worker keeps each worker's ids visible in increasing order
-- for the tail, 0017), without retention:
--   batch: a JSON array of invocations (runner/logs/invocation.ts StoredInvocation);
--   workers: the batch's "tenant/worker" keys, in any order (the runner has them at hand);
--   drops: a JSON array of {tenant, worker, dropped}: invocations a process could not store;
--   writer_id, batch_seq, doubt: as in 0020. Returns whether the call in doubt was counted as dropped.
-- The forms of 0018 and 0020 stay, for hosts on this database that still run an older runner
-- until they are upgraded (their jsonb values are stored into the json columns as they are).
CREATE FUNCTION store_log_batch(batch json, workers text[], drops jsonb, writer_id text, batch_seq bigint, doubt jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  replaced bigint;
  doubt_dropped boolean;
BEGIN
  PERFORM set_config('lock_timeout', '1000', true);
  INSERT INTO log_writers AS lw (writer, seq) VALUES (writer_id, batch_seq)
  ON CONFLICT (writer) DO UPDATE SET seq = excluded.seq, written_at = now() WHERE lw.seq < excluded.seq
  RETURNING coalesce(old.seq, 0) INTO replaced;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'log batch % of writer % came after a later one', batch_seq, writer_id;
  END IF;
  doubt_dropped := (doubt->>'seq')::bigint > replaced;
  IF doubt_dropped THEN
    drops := drops || (doubt->'drops');
  END IF;

  PERFORM pg_advisory_xact_lock(hashtext(k)) FROM (SELECT DISTINCT k FROM unnest(workers) AS k ORDER BY k) AS keys;

  INSERT INTO log_events (tenant, worker, version, at, trigger, outcome, method, path, status, duration_ms, cpu_ms,
                          request_id, headers, cron, queue, level_rank, logs, exceptions, dropped, client_ip)
  SELECT r."tenant", r."worker", r."version", to_timestamp(r."atMs" / 1000), r."trigger", r."outcome", r."method", r."path",
         r."status", r."durationMs", r."cpuMs", r."requestId", r."headers", r."cron", r."queue", r."levelRank", r."logs", r."exceptions", r."dropped",
         r."clientIp"
    FROM json_to_recordset(batch) AS r("tenant" text, "worker" text, "version" text, "atMs" float8, "trigger" text,
         "outcome" text, "method" text, "path" text, "status" int, "durationMs" int, "cpuMs" int, "requestId" text, "headers" json, "cron" text,
         "queue" text, "levelRank" int, "logs" json, "exceptions" json, "dropped" int, "clientIp" text);

  -- One row per worker: the batch's own drops and the doubted batch's may name the same one.
  INSERT INTO log_drops (tenant, worker, dropped)
  SELECT d.tenant, d.worker, sum(d.dropped) FROM jsonb_to_recordset(drops) AS d(tenant text, worker text, dropped bigint) GROUP BY 1, 2
  ON CONFLICT (tenant, worker) DO UPDATE SET dropped = log_drops.dropped + excluded.dropped;
  RETURN doubt_dropped;
END
$$;

-- Retention, every minute (the host's sweep): for each worker with stored invocations (found by
-- skipping through the index, one probe per worker), all but its newest keep_events and those
-- older than keep_seconds are deleted; each DELETE is one range of an index.
CREATE FUNCTION expire_logs(keep_events integer, keep_seconds integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  w record;
  cutoff bigint;
BEGIN
  FOR w IN
    WITH RECURSIVE workers AS (
      (SELECT tenant, worker FROM log_events ORDER BY tenant, worker LIMIT 1)
      UNION ALL
      SELECT next.tenant, next.worker FROM workers,
        LATERAL (SELECT tenant, worker FROM log_events WHERE (tenant, worker) > (workers.tenant, workers.worker) ORDER BY tenant, worker LIMIT 1) AS next
    )
    SELECT tenant, worker FROM workers
  LOOP
    cutoff := (SELECT id FROM log_events WHERE tenant = w.tenant AND worker = w.worker ORDER BY id DESC OFFSET keep_events LIMIT 1);
    IF cutoff IS NOT NULL THEN
      DELETE FROM log_events WHERE tenant = w.tenant AND worker = w.worker AND id <= cutoff;
    END IF;
    DELETE FROM log_events WHERE tenant = w.tenant AND worker = w.worker AND at < now() - make_interval(secs => keep_seconds);
  END LOOP;
END
$$;
