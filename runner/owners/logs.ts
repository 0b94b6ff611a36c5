// The write logs of the objects this process owns, shipped to the blob store: on the supervisor's
// beat (every second) each object a call changed since has the rows after its shipped seq read
// from it (about SEGMENT_BYTES at a time), each piece written as a segment under a name of its own, and published in
// Postgres only while this process owns it at that generation (log-sql.ts); then the object forgets
// them. So a host lost loses the commits of the last beat or so, not those since the newest copy;
// and the log, with older copies, is what D1's Time Travel restores from (history.ts).
import { deleteBlobs } from "../blobs/sweep.ts";
import { database } from "../db/client.ts";
import { randomHex } from "../encoding.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "../logs/log.ts";
import { encode } from "./codec.ts";
import { type Held, held, inTurn } from "./holds.ts";
import { thisProcess } from "./identity.ts";
import { registeredKind } from "./kinds.ts";
import { type LogRow, commitsOf } from "./log-rows.ts";
import { LOG_SQL } from "./log-sql.ts";
import { writeBlob } from "./snapshots.ts";
import { yieldToIo } from "../yield-to-io.ts";

/** About how much of a log one segment holds (one commit may pass it). */
const SEGMENT_BYTES = 4 * 1024 * 1024;

const encoder = new TextEncoder();

export const logOf = (kind: string) => registeredKind(kind).log;

/** Ships the object's log up to its newest commit; after a shipping already running, if one is. */
export async function shipLog(env: Env, kind: string, id: string, hold: Held): Promise<void> {
  return inTurn(hold, "shipping", () => shipAll(env, kind, id, hold));
}

async function shipAll(env: Env, kind: string, id: string, hold: Held): Promise<void> {
  // Cleared first: a call that appends meanwhile marks it again.
  hold.unshipped = false;
  try {
    for (;;) {
      const rows = await logOf(kind).after(env, id, hold.shipped, SEGMENT_BYTES);
      if (rows.length === 0) return;
      await publishSegment(env, kind, id, hold, rows);
      await yieldToIo();
    }
  } catch (error) {
    hold.unshipped = true;
    throw error;
  }
}

/** Publishes the rows as a segment: its commits' times index it (none: a piece of a large transaction). */
async function publishSegment(env: Env, kind: string, id: string, hold: Held, rows: LogRow[]): Promise<void> {
  const commits = commitsOf(rows);
  const lastSeq = rows.at(-1)![0];
  const bytes = encoder.encode(encode(rows));
  const name = `log-${kind}-${encodeURIComponent(id)}-g${hold.generation}-${rows[0]![0]}-${randomHex()}`;
  await writeBlob(env, name, bytes);
  const times = [commits[0]?.at ?? null, commits.at(-1)?.at ?? null];
  const params = [kind, id, hold.generation, thisProcess(env).boot, rows[0]![0], lastSeq, ...times, bytes.byteLength, name];
  const [outcome] = await database(env).query(LOG_SQL.publish, params);
  if (!outcome?.published) {
    await deleteBlobs(env, [name]);
    throw new Error(`did not publish the log of ${kind} ${id} from ${rows[0]![0]}: this process no longer owns it at generation ${hold.generation}`);
  }
  await logOf(kind).trim(env, id, lastSeq);
  hold.shipped = lastSeq;
}

let shipping = false;

/** On the supervisor's beat: ships the log of every object held here that a call may have appended to. */
export async function shipChangedLogs(env: Env): Promise<void> {
  if (shipping) return;
  shipping = true;
  try {
    for (const [key, hold] of [...held]) {
      if (!hold.unshipped || held.get(key) !== hold || Date.now() >= hold.deadline) continue;
      const [kind = "", id = ""] = key.split("\u0000");
      await shipLog(env, kind, id, hold).catch((error: unknown) =>
        log.error(`could not ship the log of ${kind} ${id} to the blob store`, { error: errorText(error) }),
      );
    }
  } finally {
    shipping = false;
  }
}

/** The seq an object's shipped log reaches (0: none shipped): a hold taken from its own files ships what is after it. */
export async function shippedSeq(env: Env, kind: string, id: string): Promise<number> {
  const [row] = await database(env).query(LOG_SQL.shipped, [kind, id]);
  return Number(row?.seq ?? 0);
}

/** History older than the window forgotten (the sweep's, every few minutes). */
export async function expireHistory(env: Env): Promise<void> {
  await database(env).query(LOG_SQL.expire, [env.CONFIG.objectHistoryDays]);
}
