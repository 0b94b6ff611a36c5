// An object's past, rebuilt from the blob store: a copy (its newest, or an older one kept) and the
// shipped log after it. A takeover after a lost host replays the newest copy and all the log
// after it; D1's Time Travel (ownerMethods of the kind, run by the owner) replays the newest copy
// at or before a point and the log up to that point, then restores the object to it.
import type { Env } from "../env.ts";
import { decode } from "./codec.ts";
import { database } from "../db/client.ts";
import type { Held } from "./holds.ts";
import { registeredKind } from "./kinds.ts";
import { type LogRow, commitsOf, committedRows } from "./log-rows.ts";
import { type BaseRow, LOG_SQL } from "./log-sql.ts";
import { logOf, shipLog } from "./logs.ts";
import { copyObject, readBlob, readBlobStream } from "./snapshots.ts";
import { errorText, log } from "../logs/log.ts";
import { yieldToIo } from "../yield-to-io.ts";

/** A point of an object's history: the seq of a commit (or of a copy's position) and its time (ms). */
export interface Point {
  seq: number;
  at: number;
}

/** Why a point of the history cannot be restored: the caller's to hear (a 400). */
export class OutsideHistory extends Error {}

/**
 * The shipped log's rows after `position`, whole transactions (an aborted one's left out), up to
 * seq `until` (null: all), read from the segments in order. It stops at a gap (rows never shipped:
 * their commits were in the copy a takeover restored); `through` is the last commit they reach.
 */
export async function shippedRows(
  env: Env,
  kind: string,
  id: string,
  position: number,
  until: number | null,
): Promise<{ rows: LogRow[]; through: Point | null }> {
  const rows: LogRow[] = [];
  let through: Point | null = null;
  let next = position + 1;
  for (const segment of await database(env).query(LOG_SQL.segmentsAfter, [kind, id, position])) {
    if (Number(segment.first_seq) > next) break;
    const text = await readBlob(env, segment.blob, segment.size_bytes);
    for (const row of decode(text) as LogRow[]) {
      if (row[0] <= position) continue;
      if (until !== null && row[0] > until) break;
      rows.push(row);
    }
    next = Number(segment.last_seq) + 1;
    await yieldToIo();
    if (until !== null && next > until) break;
  }
  const committed = committedRows(rows);
  through = commitsOf(committed).at(-1) ?? null;
  return { rows: committed, through };
}

/** The object's state at `at` (ms; null: now): the newest commit then, after shipping what this owner has not. */
export async function pointAt(env: Env, kind: string, id: string, hold: Held, at: number | null): Promise<Point> {
  await shipLog(env, kind, id, hold);
  const now = await logOf(kind).position(env, id);
  if (at === null || (now.at !== null && now.at <= at)) return { seq: now.seq, at: now.at ?? Date.now() };
  windowHolds(env, at);
  const fromCopies = (await bases(env, kind, id)).find((base) => base.taken_at.getTime() <= at);
  let point: Point | null = fromCopies ? { seq: Number(fromCopies.position), at: fromCopies.taken_at.getTime() } : null;
  const [segment] = await database(env).query(LOG_SQL.segmentAt, [kind, id, at]);
  if (segment) {
    const text = await readBlob(env, segment.blob, segment.size_bytes);
    const commit = commitsOf(decode(text) as LogRow[])
      .filter((commit) => commit.at <= at)
      .at(-1);
    if (commit && (!point || commit.seq > point.seq)) point = commit;
  }
  if (!point) throw new OutsideHistory(`no state of it at ${new Date(at).toISOString()} is kept: its history begins later`);
  return point;
}

/**
 * Restores the object to the commit `seq` (a point answered by pointAt): the newest copy at or
 * before it and the shipped log up to it, in one transaction of the object's, marked in its log
 * as a restore; then a copy is taken, from which later commits replay. Answers the point restored
 * and the one it replaced (restoring that one undoes it).
 */
export async function restoreTo(env: Env, kind: string, id: string, hold: Held, seq: number): Promise<{ restored: Point; previous: Point }> {
  await shipLog(env, kind, id, hold);
  const current = await logOf(kind).position(env, id);
  const base = (await bases(env, kind, id)).find((candidate) => Number(candidate.position) <= seq);
  if (!base) throw new OutsideHistory(`no copy of it from before that point is kept: its history begins later`);
  const position = Number(base.position);
  const { rows, through } = await shippedRows(env, kind, id, position, seq);
  const reached = through?.seq ?? position;
  if (reached !== seq) throw new OutsideHistory(`its history holds no commit at ${seq} (its log reaches ${reached} from the copy at ${position})`);
  windowHolds(env, through?.at ?? base.taken_at.getTime());
  const copy = await readBlobStream(env, base.blob, base.size_bytes);
  try {
    await registeredKind(kind).copies.restore(env, id, copy, rows, { op: "R", seq: null, at: Date.now() });
  } catch (error) {
    // The replay stopped (a restore whose copy was lost, a virtual table's writes): nothing changed.
    throw new OutsideHistory(`its history cannot be replayed to that point: ${error instanceof Error ? error.message : String(error)}`);
  }
  hold.changed = true;
  hold.unshipped = true;
  hold.keepNextCopy = true;
  // The restore's copy: commits after it replay onto it. Until it is published, a replay past the restore stops there.
  await copyObject(env, kind, id, hold).catch((error: unknown) =>
    log.error(`could not copy ${kind} ${id} after a time-travel restore`, { error: errorText(error) }),
  );
  return { restored: { seq, at: through?.at ?? base.taken_at.getTime() }, previous: { seq: current.seq, at: current.at ?? Date.now() } };
}

/** The object's copies a replay may start from, newest first. */
async function bases(env: Env, kind: string, id: string): Promise<BaseRow[]> {
  return database(env).query(LOG_SQL.bases, [kind, id]);
}

function windowHolds(env: Env, at: number): void {
  const days = env.CONFIG.objectHistoryDays;
  if (at < Date.now() - days * 86_400_000) throw new OutsideHistory(`that is before the ${days} days of history Outpost keeps (OUTPOST_OBJECT_HISTORY_DAYS)`);
}
