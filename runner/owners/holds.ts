// The objects this process owns now, shared by the call path (placement.ts) and the lease keeper
// (keeper.ts).

/** An object this process owns: the generation it holds and until when (its own clock) it may answer. */
export interface Held {
  generation: number;
  deadline: number;
  calls: number;
}

export const held = new Map<string, Held>();

/** Set once the process lets go of everything to stop: it takes nothing any more. */
export const holds = { retiring: false };

export const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`;
