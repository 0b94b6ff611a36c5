// D1's Time Travel: a database restored to any commit its history holds within the retention
// window (OUTPOST_OBJECT_HISTORY_DAYS, 7 days): its copies and write log in the blob store
// (runner/owners/history.ts), replayed by its owner. A bookmark names a commit: its seq in the
// database's log and its time, 16 hex digits each.
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { ObjectUnavailable } from "../owners/errors.ts";
import type { Point } from "../owners/history.ts";
import { callObject } from "../owners/placement.ts";
import { KIND, type TravelAnswer } from "./owner.ts";

/** A point the database can be restored to: its bookmark and the time of that commit. */
export interface TimeTravelPoint {
  bookmark: string;
  at: string;
}

/** What a restore answers, as Cloudflare's API does: `previous_bookmark` undoes it. */
export interface TimeTravelRestore {
  bookmark: string;
  previous_bookmark: string;
  message: string;
}

const hex16 = (value: number) => Math.max(0, Math.trunc(value)).toString(16).padStart(16, "0");
const bookmarkOf = (point: Point) => `${hex16(point.seq)}-${hex16(point.at)}`;
const seqOf = (bookmark: string) => Number.parseInt(bookmark.slice(0, 16), 16);
const timeOf = (bookmark: string) => Number.parseInt(bookmark.slice(17), 16);

/** The bookmark of the database's state at `timestamp` (its newest commit at or before it); null: now. */
export async function timeTravelBookmark(env: Env, databaseId: string, timestamp: Date | null): Promise<TimeTravelPoint> {
  const point = (await travel(env, databaseId, "pointAt", timestamp?.getTime() ?? null)).point;
  return { bookmark: bookmarkOf(point), at: new Date(point.at).toISOString() };
}

/** Restores the database to a bookmark or a timestamp (a PlatformError 400 for a point outside its retained history). */
export async function timeTravelRestore(env: Env, databaseId: string, target: { bookmark: string } | { timestamp: Date }): Promise<TimeTravelRestore> {
  // The point as its bookmark names it: a commit restored from a copy alone has no time of its own there.
  const bookmark = "bookmark" in target ? target.bookmark : bookmarkOf((await travel(env, databaseId, "pointAt", target.timestamp.getTime())).point);
  const { point, previous } = await travel(env, databaseId, "restoreTo", seqOf(bookmark));
  return {
    bookmark,
    previous_bookmark: bookmarkOf(previous ?? point),
    message: `Restored to bookmark ${bookmark}: the database as it was at ${new Date(timeOf(bookmark)).toISOString()}.`,
  };
}

/** Runs a time-travel step where the database's owner is. */
async function travel(env: Env, databaseId: string, method: "pointAt" | "restoreTo", arg: number | null): Promise<Extract<TravelAnswer, { point: Point }>> {
  let answer: TravelAnswer;
  try {
    answer = (await callObject(env, KIND, databaseId, method, [arg])) as TravelAnswer;
  } catch (error) {
    if (error instanceof ObjectUnavailable) throw new PlatformError("ERR_INTERNAL", 503, `Database unavailable: ${error.message}.`);
    throw error;
  }
  if ("refused" in answer) throw new PlatformError("ERR_BAD_REQUEST", 400, `Cannot time travel this database there: ${answer.refused}.`);
  return answer;
}
