// R2 aborts incomplete multipart uploads after STALE_UPLOAD_AGE; their parts' blobs become due
// at once, for the blob sweep that follows (runner/blobs/sweep.ts).
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { STALE_UPLOAD_AGE } from "./constants.ts";
import { R2_SQL } from "./sql.ts";

/** Returns how many uploads were aborted. */
export async function abortStaleUploads(env: Env): Promise<number> {
  const [, [row]] = await database(env).transaction([
    { text: R2_SQL.lockStaleUploads, params: [STALE_UPLOAD_AGE] },
    { text: R2_SQL.abortStaleUploads, params: [STALE_UPLOAD_AGE] },
  ]);
  return row?.aborted ?? 0;
}
