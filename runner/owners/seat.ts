// The seat's record of which generation its files of each object were last taken at: a small file
// beside the objects' own files (`<seat>/owners/<kind>.<id>`), written before the object is taken
// and read before it is taken again (lease.ts, staleFiles). Through the SEAT disk service, which
// `--directory-path seat=…` points at this process's seat (cli/pool.js). The record is the
// generation, then, for files restored from a copy in the blob store, ` restored <its generation>`.
import type { Env } from "../env.ts";

const recordUrl = (kind: string, id: string) => `http://seat/owners/${encodeURIComponent(kind)}.${encodeURIComponent(id)}`;

/** The generation recorded for the object in this seat, or null when none is. */
export async function recordedGeneration(env: Env, kind: string, id: string): Promise<number | null> {
  const response = await env.SEAT.fetch(recordUrl(kind, id));
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`the seat's record of ${kind} ${id} could not be read: ${response.status}`);
  const generation = Number((await response.text()).split(" ")[0]);
  return Number.isSafeInteger(generation) ? generation : null;
}

/** Records the generation the seat's files are taken at, and the generation of the copy they were restored from, if they were. */
export async function recordGeneration(env: Env, kind: string, id: string, generation: number, restored?: number): Promise<void> {
  const body = restored === undefined ? String(generation) : `${generation} restored ${restored}`;
  const response = await env.SEAT.fetch(recordUrl(kind, id), { method: "PUT", body });
  if (!response.ok) throw new Error(`the seat's record of ${kind} ${id} could not be written: ${response.status}`);
}
