// Collects blobs nothing points at: those replaced or deleted (due at once; normally deleted by
// the request that freed them, left here only if that failed), and those a crash left mid-write
// (due after PENDING_BLOB_GRACE). R2's abandoned multipart uploads free their parts first
// (runner/r2/sweep.ts).
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { blobStore } from "./store.ts";
import { BLOB_SQL } from "./sql.ts";

const SWEEP_BATCH = 100;

/** Deletes the blobs from the store and, for those that went, their intent-log rows. */
export async function deleteBlobs(env: Env, blobs: string[]): Promise<number> {
  const store = blobStore(env);
  const deleted = await Promise.all(
    blobs.map((blob) =>
      store.delete(blob).then(
        () => blob,
        () => null,
      ),
    ),
  );
  const gone = deleted.filter((blob): blob is string => blob !== null);
  if (gone.length > 0) await database(env).query(BLOB_SQL.collected, [gone]);
  return gone.length;
}

/**
 * One bounded pass: up to `batches` × SWEEP_BATCH due blobs; returns how many were deleted. Hosts
 * may sweep at once; deleting a blob twice is harmless.
 */
export async function collectBlobs(env: Env, batches: number): Promise<number> {
  let collected = 0;
  for (let i = 0; i < batches; i++) {
    const due = (await database(env).query(BLOB_SQL.due, [SWEEP_BATCH])).map((row) => row.blob);
    const deleted = await deleteBlobs(env, due);
    collected += deleted;
    // A short batch is the last; one whose deletions failed (store down) waits for the next pass.
    if (due.length < SWEEP_BATCH || deleted < due.length) break;
  }
  return collected;
}
