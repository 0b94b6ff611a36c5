// The lease rules, as pure functions (test/unit/owners-lease.test.ts). An owner renews every
// third of its lease; it counts its lease from the moment it sent the renewal, on its own clock,
// and stops a fifth of the lease before that runs out, so a process paused for longer than that
// margin (SIGSTOP, a long GC, a VM frozen) has fenced itself off before anyone else may take over.

/** The part of a lease an owner gives up at its end: its clock and Postgres's may drift apart. */
const MARGIN = 0.2;

export const renewEveryMs = (leaseSeconds: number): number => (leaseSeconds * 1000) / 3;

/** The last moment (ms, this process's clock) an owner may acknowledge a call, for a renewal sent at `sentAt`. */
export const fenceDeadline = (sentAt: number, leaseSeconds: number): number => sentAt + leaseSeconds * 1000 * (1 - MARGIN);

export interface Place {
  host: string;
  seat: string;
}

/** An object's owner row as the rules read it. */
export interface OwnerFacts extends Place {
  live: boolean;
  /** Seconds since its lease ran out (none or negative while it runs). */
  lapsedSeconds: number;
  /** Its last owner let go of it gracefully, after its final copy was published (snapshots.ts). */
  handedOver: boolean;
}

/** Where a takeover gets the object's data: this seat's files, or the newest copy in the blob store. */
export type TakeoverSource = "seat" | "snapshot";

/**
 * Where this process may take over an object nobody serves from, or why it may not now. Its files
 * are current only in the seat of its last owner: in that seat it is taken from them; another seat
 * of this host leaves it to that seat's process, which the supervisor restarts and which adopts it,
 * losing nothing; another host restores the newest copy, which may be older than the last write,
 * and so waits one lease more after the lease ran out (time for a crashed process's slot to adopt
 * it), unless its owner handed it over with a final copy.
 */
export function takeoverFrom(owner: OwnerFacts, here: Place, leaseSeconds: number): TakeoverSource | { refused: string } {
  if (owner.host !== here.host) {
    if (owner.handedOver || owner.lapsedSeconds >= leaseSeconds) return "snapshot";
    return {
      refused: `its owner host ${owner.host} does not renew its lease; another host restores its newest snapshot once that lease has been over for ${leaseSeconds} s`,
    };
  }
  if (owner.seat !== here.seat)
    return {
      refused: `its files are in ${owner.seat} of this host, whose process does not serve it now (it is down, or its files there are missing or stale)`,
    };
  return "seat";
}

/**
 * Why a takeover does not restore an object's newest copy: its owner could not take one since
 * `since` (`reason`, as it said), so the copy lacks an unknown amount of writes. Serving it would
 * lose them silently; the object waits for its owner's host instead.
 */
export function staleCopy(why: string, since: Date, reason: string | null): string {
  return `${why}, and its newest snapshot is stale: its owner could not take one since ${since.toISOString()}${reason ? ` (${reason})` : ""}`;
}

/** A copy's blob name: by kind, object and the generation it was taken at, and never used twice (`unique`). One path segment, as R2's blobs. */
export const snapshotName = (kind: string, id: string, generation: number, unique: string): string =>
  `snapshot-${kind}-${encodeURIComponent(id)}-g${generation}-${unique}`;

/**
 * Whether the files this seat holds for an object are current: the seat records the generation
 * its files were last taken at (`recorded`), and every generation since `seatSince` was held in
 * this seat. None recorded, or older: the files are missing or stale (the seat's directory was
 * lost, or the object was held elsewhere since), and serving them would serve old data.
 */
export function staleFiles(recorded: number | null, seatSince: number): string | null {
  if (recorded === null) return "its files are missing from this seat";
  if (recorded < seatSince) return `its files in this seat are from generation ${recorded}, older than generation ${seatSince}`;
  return null;
}
