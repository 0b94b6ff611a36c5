-- The write logs and older copies of single-owner objects (a D1 database's), written only by
-- runner/owners/log-sql.ts and snapshot-sql.ts. A takeover after a lost host restores the newest
-- copy and the log after it; D1's Time Travel restores an older copy and the log up to a commit.
--
-- object_snapshots.position: the seq of the object's log's newest row when its copy was taken
-- (the copy holds every commit up to it); NULL: taken before the object had a write log.
-- `keep`: the copy is kept in object_history when replaced, whatever its age: the first copy after
-- a time-travel restore, which the log after the restore replays onto.
ALTER TABLE object_snapshots ADD COLUMN position bigint, ADD COLUMN keep boolean NOT NULL DEFAULT false;

-- A segment of an object's log as its owner shipped it: rows first_seq..last_seq, in the blob
-- `blob`, by the owner at `generation` (published only while it owns the object at it). first_at
-- and last_at: the times of the first and last commits among them; NULL when it holds none (a
-- piece of a large transaction). Segments of one object follow one another without a gap
-- (first_seq is the previous one's last_seq + 1), except after a takeover that restored a copy
-- newer than the shipped log.
CREATE TABLE object_log_segments (
  kind        text NOT NULL,
  object_id   text NOT NULL,
  first_seq   bigint NOT NULL,
  last_seq    bigint NOT NULL,
  first_at    timestamptz,
  last_at     timestamptz,
  generation  bigint NOT NULL,
  size_bytes  bigint NOT NULL,
  blob        text NOT NULL,
  PRIMARY KEY (kind, object_id, last_seq)
);

-- Older copies kept as bases for Time Travel: about one an hour (a replaced copy is kept when the
-- newest kept one is an hour older, or it is marked `keep`), each until a newer one is older than
-- the history window. `blob` NULL: the empty object, before its log's first row.
CREATE TABLE object_history (
  kind        text NOT NULL,
  object_id   text NOT NULL,
  position    bigint NOT NULL,
  taken_at    timestamptz NOT NULL,
  size_bytes  bigint NOT NULL,
  blob        text,
  PRIMARY KEY (kind, object_id, position)
);

-- quota_used of migration 0023, with `d1_history_bytes`: the size of a tenant's databases' write
-- logs and older copies kept for time travel. Never refused: the sweep forgets a tenant's oldest
-- history while it is over (runner/d1/history-quota.ts), so its window shrinks instead.
CREATE OR REPLACE FUNCTION quota_used(t text, r text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  total bigint;
BEGIN
  CASE r
    WHEN 'workers' THEN SELECT count(*) INTO total FROM workers WHERE tenant = t;
    WHEN 'versions' THEN SELECT count(*) INTO total FROM versions WHERE tenant = t;
    WHEN 'routes' THEN SELECT count(*) INTO total FROM routes JOIN workers w ON w.name = routes.worker WHERE w.tenant = t;
    WHEN 'domains' THEN SELECT count(*) INTO total FROM domains WHERE tenant = t;
    WHEN 'tokens' THEN SELECT count(*) INTO total FROM admin_tokens WHERE tenant = t;
    WHEN 'secrets' THEN SELECT count(*) INTO total FROM secrets WHERE tenant = t;
    WHEN 'deploys_per_minute' THEN SELECT deploys INTO total FROM deploy_minutes WHERE tenant = t AND minute = date_trunc('minute', now());
    WHEN 'd1_databases' THEN SELECT count(*) INTO total FROM d1_databases WHERE tenant = t;
    WHEN 'd1_bytes' THEN SELECT sum(size_bytes) INTO total FROM d1_databases WHERE tenant = t;
    WHEN 'd1_history_bytes' THEN
      SELECT coalesce((SELECT sum(s.size_bytes) FROM object_log_segments s JOIN d1_databases d ON s.kind = 'd1' AND s.object_id = d.id::text WHERE d.tenant = t), 0)
           + coalesce((SELECT sum(h.size_bytes) FROM object_history h JOIN d1_databases d ON h.kind = 'd1' AND h.object_id = d.id::text WHERE d.tenant = t), 0)
        INTO total;
    ELSE SELECT sum(u.used) INTO total FROM tenant_usage u WHERE u.tenant = t AND u.resource = r;
  END CASE;
  RETURN coalesce(total, 0);
END $$;
