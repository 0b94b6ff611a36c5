-- Exact drop accounting for the log store (runner/logs/store.ts). A batch whose call got no answer
-- (its deadline passed, its connection broke) may still have committed, so counting it as dropped
-- at once could count invocations that are also stored. Instead each process (a writer, named at
-- random) numbers its batches, and a batch commits only if its number is above the last one the
-- writer committed: a later batch fences every earlier one out for good. The writer sends no
-- invocations while a batch is in doubt; its next call carries that batch (its number and its
-- counts per worker) and, holding the writer's row, learns from the number it replaces whether
-- the batch committed: it counts the batch as dropped only if not, and then it never can commit.
-- (A number below the replaced one belongs to a batch settled by that later call, which carried it.)
CREATE TABLE log_writers (
  writer text PRIMARY KEY,
  seq bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);

-- As in 0018, with writer_id and batch_seq (the fence), and doubt: null, or the call in doubt as
-- {"seq": n, "drops": [{tenant, worker, dropped}]}. Returns whether that call was counted as
-- dropped (it had not committed), null without one. The four-argument form of 0018 stays, for
-- hosts on this database that still run the older runner until they are upgraded.
CREATE FUNCTION store_log_batch(batch jsonb, drops jsonb, keep_events integer, keep_seconds integer,
                                writer_id text, batch_seq bigint, doubt jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  w record;
  cutoff bigint;
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

  FOR w IN SELECT DISTINCT r->>'tenant' AS tenant, r->>'worker' AS worker FROM jsonb_array_elements(batch) r ORDER BY 1, 2 LOOP
    PERFORM pg_advisory_xact_lock(hashtext(w.tenant || '/' || w.worker));
  END LOOP;

  INSERT INTO log_events (tenant, worker, version, at, trigger, outcome, method, path, status, duration_ms, cpu_ms,
                          request_id, headers, cron, queue, level_rank, logs, exceptions, dropped, client_ip)
  SELECT r."tenant", r."worker", r."version", to_timestamp(r."atMs" / 1000), r."trigger", r."outcome", r."method", r."path",
         r."status", r."durationMs", r."cpuMs", r."requestId", r."headers", r."cron", r."queue", r."levelRank", r."logs", r."exceptions", r."dropped",
         r."clientIp"
    FROM jsonb_to_recordset(batch) AS r("tenant" text, "worker" text, "version" text, "atMs" float8, "trigger" text,
         "outcome" text, "method" text, "path" text, "status" int, "durationMs" int, "cpuMs" int, "requestId" text, "headers" jsonb, "cron" text,
         "queue" text, "levelRank" int, "logs" jsonb, "exceptions" jsonb, "dropped" int, "clientIp" text);

  -- Per worker, with plain values: each DELETE is one range of an index.
  FOR w IN SELECT DISTINCT r->>'tenant' AS tenant, r->>'worker' AS worker FROM jsonb_array_elements(batch) r LOOP
    cutoff := (SELECT id FROM log_events WHERE tenant = w.tenant AND worker = w.worker ORDER BY id DESC OFFSET keep_events LIMIT 1);
    IF cutoff IS NOT NULL THEN
      DELETE FROM log_events WHERE tenant = w.tenant AND worker = w.worker AND id <= cutoff;
    END IF;
    DELETE FROM log_events WHERE tenant = w.tenant AND worker = w.worker AND at < now() - make_interval(secs => keep_seconds);
  END LOOP;

  -- One row per worker: the batch's own drops and the doubted batch's may name the same one.
  INSERT INTO log_drops (tenant, worker, dropped)
  SELECT d.tenant, d.worker, sum(d.dropped) FROM jsonb_to_recordset(drops) AS d(tenant text, worker text, dropped bigint) GROUP BY 1, 2
  ON CONFLICT (tenant, worker) DO UPDATE SET dropped = log_drops.dropped + excluded.dropped;
  RETURN doubt_dropped;
END
$$;
