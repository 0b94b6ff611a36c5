-- The client's address of each stored fetch (the CF-Connecting-IP the runner set: the connection's
-- address, or the trusted forwarding header's last hop with OUTPOST_CLIENT_IP_HEADER), so that
-- `outpost tail --ip` and GET /logs?ip= can filter on it. store_log_batch (0017) now writes it;
-- only the INSERT changes.
ALTER TABLE log_events ADD COLUMN client_ip text;

CREATE OR REPLACE FUNCTION store_log_batch(batch jsonb, drops jsonb, keep_events integer, keep_seconds integer) RETURNS void
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

  INSERT INTO log_drops (tenant, worker, dropped)
  SELECT d.tenant, d.worker, d.dropped FROM jsonb_to_recordset(drops) AS d(tenant text, worker text, dropped bigint)
  ON CONFLICT (tenant, worker) DO UPDATE SET dropped = log_drops.dropped + excluded.dropped;
END
$$;
