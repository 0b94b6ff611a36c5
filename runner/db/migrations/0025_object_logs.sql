-- The write logs and older copies of single-owner objects (a D1 database's), written only by
-- runner/owners/log-sql.ts and snapshot-sql.ts. A takeover after a lost host restores the newest
-- copy and the log after it; D1's Time Travel restores an older copy and the log up to a commit.
--
-- object_snapshots.position: the seq of the object's log's newest row when its copy was taken
-- (the copy holds every commit up to it); NULL: taken before the object had a write log.
-- `keep`: the copy is kept in object_history when replaced, whatever its age: the first copy after
-- a time-travel restore, which the log after the restore replays onto.
ALTER TABLE object_snapshots ADD COLUMN position bigint, ADD COLUMN keep boolean NOT NULL DEFAULT false;

-- A segment of an object's log as its owner shipped it: rows first_seq..last_seq (whole commits,
-- first_at and last_at the times of its first and last), in the blob `blob`, by the owner at
-- `generation` (published only while it owns the object at it). Segments of one object follow
-- one another without a gap (first_seq is the previous one's last_seq + 1, or the seq after a
-- restore's mark).
CREATE TABLE object_log_segments (
  kind        text NOT NULL,
  object_id   text NOT NULL,
  first_seq   bigint NOT NULL,
  last_seq    bigint NOT NULL,
  first_at    timestamptz NOT NULL,
  last_at     timestamptz NOT NULL,
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
