-- The newest copy of each single-owner object in the blob store (a D1 database today): written
-- only by runner/owners/snapshot-sql.ts. A copy is taken inside the object by its owner at
-- `generation` (object_owners), at `taken_at` (the owner's clock: the recovery point of a takeover
-- from it), `size_bytes` long, in the blob `blob`, named by kind, id and generation and never
-- written twice. A row is replaced only by its object's owner at that generation, and never by an
-- older generation's copy. `blob` NULL: the object was new and empty (its row written before it was
-- first taken), so an owner lost before its first copy left nothing to restore but an empty object.
-- `failing_since`: the owner could not take a copy since then (`failing_reason`: what it said; a
-- D1 database with a virtual table cannot be written out): the copy is older than the object by an
-- unknown amount, so no takeover restores it (runner/owners/placement.ts). A published copy clears it.
CREATE TABLE object_snapshots (
  kind        text NOT NULL,
  object_id   text NOT NULL,
  generation  bigint NOT NULL,
  taken_at    timestamptz NOT NULL,
  size_bytes  bigint NOT NULL,
  blob        text,
  failing_since  timestamptz,
  failing_reason text,
  PRIMARY KEY (kind, object_id)
);
