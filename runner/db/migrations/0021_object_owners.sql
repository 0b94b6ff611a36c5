-- Who serves each single-owner object (a D1 database today, Durable Objects later): one row per
-- object, written only by runner/owners/sql.ts. The owner is one workerd process (`boot`, random
-- per start) on `host`, writing its files in `seat` (a per-slot data directory), reached by its
-- peers at `address`; it owns the object until `lease_until` and renews before then. `generation`
-- goes up by one on every acquisition, so a call or a copy names the term it belongs to, and a
-- stale owner's is refused. `seat_since` is the generation at which the object came to this
-- host+seat: files in the seat from before it are stale. A released row keeps host, seat and
-- generation (boot, address and lease are cleared): they say where the object's files are.
-- `released_generation` is the last generation let go of gracefully: its owner had answered every
-- call it ran, so a caller that lost its connection to that owner knows its call did not run.
CREATE TABLE object_owners (
  kind         text NOT NULL,
  object_id    text NOT NULL,
  generation   bigint NOT NULL,
  seat_since   bigint NOT NULL,
  host         text NOT NULL,
  seat         text NOT NULL,
  address      text,
  boot         text,
  lease_until  timestamptz,
  released_generation bigint,
  PRIMARY KEY (kind, object_id)
);

-- Renewals and releases (by boot), adoption by a seat's next process (by host and seat).
CREATE INDEX object_owners_boot ON object_owners (boot) WHERE boot IS NOT NULL;
CREATE INDEX object_owners_seat ON object_owners (host, seat);
