// Collects blobs nothing points at: those replaced or deleted (due at once; normally deleted by
// the request that freed them, left here only if that failed), those a crash left mid-write
// (due after PENDING_BLOB_GRACE), and the parts of multipart uploads abandoned for 7 days.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { blobStore } from "./blobs.ts";
import { STALE_UPLOAD_AGE } from "./constants.ts";
import { BLOB_SQL } from "./sql.ts";

const SWEEP_BATCH = 100;

export interface BlobSweep {
  abortedUploads: number;
  collectedBlobs: number;
}

/** Deletes the blobs from the store and, for those that went, their intent-log rows. */
export async function deleteBlobs(env: Env, blobs: string[]): Promise<number> {
  const store = blobStore(env);
  const deleted = await Promise.all(blobs.map((blob) => store.delete(blob).then(() => blob, () => null)));
  const gone = deleted.filter((blob): blob is string => blob !== null);
  if (gone.length > 0) await database(env).query(BLOB_SQL.collected, [gone]);
  return gone.length;
}

/**
 * One bounded pass: up to `batches` × SWEEP_BATCH due blobs. Hosts may sweep at once; deleting a
 * blob twice is harmless.
 */
export async function sweepBlobs(env: Env, batches: number): Promise<BlobSweep> {
  const [aborted] = await database(env).query(BLOB_SQL.abortStale, [STALE_UPLOAD_AGE]);
  let collectedBlobs = 0;
  for (let i = 0; i < batches; i++) {
    const due = (await database(env).query(BLOB_SQL.due, [SWEEP_BATCH])).map((row) => row.blob);
    const collected = await deleteBlobs(env, due);
    collectedBlobs += collected;
    // A short batch is the last; one whose deletions failed (store down) waits for the next pass.
    if (due.length < SWEEP_BATCH || collected < due.length) break;
  }
  return { abortedUploads: aborted?.aborted ?? 0, collectedBlobs };
}
