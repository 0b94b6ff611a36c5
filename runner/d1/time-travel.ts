// D1's Time Travel: a database restored to any point its write log covers within the retention
// window (OUTPOST_OBJECT_HISTORY_DAYS, 7 days). A bookmark names a point of the log (a commit).
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";

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

/** The bookmark of the database's state at `timestamp` (its newest commit at or before it); null: now. */
export async function timeTravelBookmark(_env: Env, _databaseId: string, _timestamp: Date | null): Promise<TimeTravelPoint> {
  throw new PlatformError("ERR_INTERNAL", 500, "time travel is being built");
}

/** Restores the database to a bookmark or a timestamp (a PlatformError 400 for a point outside its retained history). */
export async function timeTravelRestore(_env: Env, _databaseId: string, _target: { bookmark: string } | { timestamp: Date }): Promise<TimeTravelRestore> {
  throw new PlatformError("ERR_INTERNAL", 500, "time travel is being built");
}
