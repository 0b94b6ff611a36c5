// The lease rules, as pure functions (test/unit/owners-lease.test.ts). An owner renews every
// third of its lease; it counts its lease from the moment it sent the renewal, on its own clock,
// and stops a fifth of the lease before that runs out, so a process paused for longer than that
// margin (SIGSTOP, a long GC, a VM frozen) has fenced itself off before anyone else may take over.

/** The lease when the operator sets none (OUTPOST_OWNER_LEASE_SECONDS). */
export const DEFAULT_LEASE_SECONDS = 10;
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
}

/**
 * Why this process may not take over an object nobody serves, or null when it may. Until the write
 * log is shipped to the blob store, the object's files exist only in the seat of its last owner.
 */
export function takeoverRefusal(owner: OwnerFacts, here: Place): string | null {
  if (owner.host !== here.host) return `its owner host ${owner.host} is gone and its data is not in the blob store yet`;
  if (owner.seat !== here.seat)
    return `its files are in ${owner.seat} of this host, whose process does not serve it now (it is down, or its files there are missing or stale)`;
  return null;
}

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
