// The seat's record of which generation its files of each object were last taken at: a small file
// beside the objects' own files (`<seat>/owners/<kind>.<id>`), written before the object is taken
// and read before it is taken again (lease.ts, staleFiles). Through the SEAT disk service, which
// `--directory-path seat=…` points at this process's seat (cli/pool.js).
import type { Env } from "../env.ts";

const recordUrl = (kind: string, id: string) => `http://seat/owners/${encodeURIComponent(kind)}.${encodeURIComponent(id)}`;

/** The generation recorded for the object in this seat, or null when none is. */
export async function recordedGeneration(env: Env, kind: string, id: string): Promise<number | null> {
  const response = await env.SEAT.fetch(recordUrl(kind, id));
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`the seat's record of ${kind} ${id} could not be read: ${response.status}`);
  const generation = Number(await response.text());
  return Number.isSafeInteger(generation) ? generation : null;
}

export async function recordGeneration(env: Env, kind: string, id: string, generation: number): Promise<void> {
  const response = await env.SEAT.fetch(recordUrl(kind, id), { method: "PUT", body: String(generation) });
  if (!response.ok) throw new Error(`the seat's record of ${kind} ${id} could not be written: ${response.status}`);
}
