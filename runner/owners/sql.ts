// Every statement of the placement layer: the leases of object_owners (migration 0021). Postgres's
// clock alone decides whether a lease has expired; an owner's own deadline is on its clock
// (lease.ts). An acquisition always raises the generation by one and names the generation it
// read, so two processes racing for one object cannot both win.
import { sql } from "../db/client.ts";

export interface OwnerRow {
  /** bigint, as a string */
  generation: string;
  seat_since: string;
  host: string;
  seat: string;
  address: string | null;
  boot: string | null;
  /** the lease runs: its owner serves it */
  live: boolean;
  /** seconds since the lease ran out (0 when none was counted) */
  lapsed_seconds: number;
  /** its last owner let go of this generation gracefully, after a final copy */
  handed_over: boolean;
}

export const OWNER_SQL = {
  /** $1 kind, $2 object id. */
  owner: sql<OwnerRow>(`SELECT generation::text, seat_since::text, host, seat, address, boot, coalesce(lease_until > now(), false) AS live,
            coalesce(extract(epoch FROM now() - lease_until), 0)::float8 AS lapsed_seconds, coalesce(released_generation = generation, false) AS handed_over
          FROM object_owners WHERE kind = $1 AND object_id = $2`),

  /**
   * Takes an object nobody has held yet for boot $6 ($3 host, $4 seat, $5 address, $7 lease
   * seconds), at generation 1. No row: another process came first.
   */
  create: sql<{
    generation: string;
    seat_since: string;
  }>(`INSERT INTO object_owners (kind, object_id, generation, seat_since, host, seat, address, boot, lease_until)
          VALUES ($1, $2, 1, 1, $3, $4, $5, $6, now() + make_interval(secs => $7)) ON CONFLICT DO NOTHING
          RETURNING generation::text, seat_since::text`),

  /**
   * Takes an object held before, if it is still at generation $8 and may be taken: nobody holds
   * it, or its lease has expired, or it is ours; and its files are in this host+seat (elsewhere it
   * is restored from a copy: moveHere). No row: another process came first, or the rule refused.
   */
  takeOver: sql<{ generation: string; seat_since: string }>(`UPDATE object_owners SET generation = generation + 1,
            address = $5, boot = $6, lease_until = now() + make_interval(secs => $7)
          WHERE kind = $1 AND object_id = $2 AND generation = $8::bigint AND (boot IS NULL OR boot = $6 OR lease_until <= now())
            AND host = $3 AND seat = $4
          RETURNING generation::text, seat_since::text`),

  /**
   * Takes an object held before at generation $8 into this host+seat, to restore its newest copy
   * there (the takeover rule, lease.ts): its lease has expired, and on another host it has been
   * over for a lease more ($7 seconds) or its owner handed it over. Its files elsewhere are stale
   * from now on (`seat_since`). No row: another process came first, or the rule refused.
   */
  moveHere: sql<{ generation: string }>(`UPDATE object_owners SET generation = generation + 1, seat_since = generation + 1,
            host = $3, seat = $4, address = $5, boot = $6, lease_until = now() + make_interval(secs => $7)
          WHERE kind = $1 AND object_id = $2 AND generation = $8::bigint AND (boot IS NULL OR lease_until <= now())
            AND (host = $3 AND seat = $4 OR host <> $3 AND (released_generation = generation OR lease_until <= now() - make_interval(secs => $7)))
          RETURNING generation::text`),

  /** Extends every lease boot $1 still holds by $2 seconds; what it still holds. */
  renew: sql<{ kind: string; object_id: string; generation: string }>(`UPDATE object_owners SET lease_until = now() + make_interval(secs => $2)
          WHERE boot = $1 AND lease_until > now() RETURNING kind, object_id, generation::text`),

  /** Lets go of what boot $1 holds (all of it), keeping where the files are. */
  release: sql(`UPDATE object_owners SET boot = NULL, address = NULL, lease_until = NULL, released_generation = generation WHERE boot = $1`),

  /**
   * Lets go of one object boot $3 held at generation $4 and stopped serving (its lease lapsed
   * here, or its final copy failed), so that it is taken again, by this seat's process, rather than
   * renewed unserved; its lease counts as over from now (another host waits a lease more).
   */
  releaseOne: sql(`UPDATE object_owners SET boot = NULL, address = NULL, lease_until = now()
          WHERE kind = $1 AND object_id = $2 AND boot = $3 AND generation = $4::bigint`),

  /** The last generation of object ($1, $2) whose owner let go gracefully. */
  released: sql<{ generation: string | null }>(`SELECT released_generation::text AS generation FROM object_owners WHERE kind = $1 AND object_id = $2`),

  /** Objects whose files are in this host+seat ($1, $2) and that nobody serves: this process's to adopt. */
  orphans: sql<{ kind: string; object_id: string; generation: string; seat_since: string }>(`SELECT kind, object_id, generation::text, seat_since::text
          FROM object_owners WHERE host = $1 AND seat = $2 AND (boot IS NULL OR lease_until <= now()) ORDER BY kind, object_id LIMIT 1000`),

  /** Forgets an object that is gone for good (a deleted D1 database), so no seat adopts it again. */
  forget: sql(`DELETE FROM object_owners WHERE kind = $1 AND object_id = $2`),

  /** The private addresses of processes that own objects now (refused to tenant egress). */
  addresses: sql<{ address: string }>(`SELECT DISTINCT address FROM object_owners WHERE address IS NOT NULL`),
};
