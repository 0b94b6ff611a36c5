// The objects this process owns now, shared by the call path (placement.ts) and the lease keeper
// (keeper.ts).

/** An object this process owns: the generation it holds and until when (its own clock) it may answer. */
export interface Held {
  generation: number;
  deadline: number;
  calls: number;
  /** A call changed the object since its newest copy was taken (snapshots.ts). */
  changed: boolean;
  /** When (this process's clock) its newest copy was taken, or it was taken here. */
  copiedAt: number;
  /** The copy being taken now, which another waits for. */
  copying: Promise<void> | null;
  /** Its next copy is kept when replaced (the first after a time-travel restore: history.ts). */
  keepNextCopy: boolean;
  /** The seq its write log is shipped to the blob store up to (logs.ts). */
  shipped: number;
  /** A call may have appended to its log since it was last shipped. */
  unshipped: boolean;
  /** The shipping running now, which another waits for. */
  shipping: Promise<void> | null;
}

export const held = new Map<string, Held>();

/**
 * `retiring`: set once the process lets go of everything to stop: it takes nothing any more.
 * `released`: settles when it has let go (after its final copies).
 */
export const holds: { retiring: boolean; released: Promise<void> } = { retiring: false, released: Promise.resolve() };

export const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`;

/** Runs `work` once the one running in the hold's `slot` (a copy, a shipping) has settled, recording it there meanwhile. */
export async function inTurn(hold: Held, slot: "copying" | "shipping", work: () => Promise<void>): Promise<void> {
  while (hold[slot]) await hold[slot].catch(() => {});
  const running = work().finally(() => (hold[slot] = null));
  hold[slot] = running;
  return running;
}
