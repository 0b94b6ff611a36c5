// Copies of the objects this process owns in the blob store, so that losing a host loses at most
// the writes since an object's newest copy. The owner takes a copy inside the object (the kind's
// `copies.take`, consistent), writes it under a name of its own (kind, id, generation), then
// publishes it in Postgres only while it still owns the object at that generation (snapshot-sql.ts):
// a stale owner's copy is deleted, never published. Copies are taken of a changed object every
// OUTPOST_OBJECT_SNAPSHOT_SECONDS (on the supervisor's beat) and once more at a graceful release.
import { BLOB_SQL, PENDING_BLOB_GRACE } from "../blobs/sql.ts";
import { LOG_SQL } from "./log-sql.ts";
import { blobStore } from "../blobs/store.ts";
import { deleteBlobs } from "../blobs/sweep.ts";
import { database } from "../db/client.ts";
import { randomHex } from "../encoding.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "../logs/log.ts";
import { type Held, held, inTurn } from "./holds.ts";
import { thisProcess } from "./identity.ts";
import { registeredKind } from "./kinds.ts";
import { snapshotName } from "./lease.ts";
import { SNAPSHOT_SQL, type SnapshotRow } from "./snapshot-sql.ts";

const copiesOf = (kind: string) => registeredKind(kind).copies;

/** Takes and publishes a copy of an object held here; after another copy of it being taken, if one is. */
export async function copyObject(env: Env, kind: string, id: string, hold: Held): Promise<void> {
  return inTurn(hold, "copying", () => takeAndPublish(env, kind, id, hold));
}

async function takeAndPublish(env: Env, kind: string, id: string, hold: Held): Promise<void> {
  // Cleared before the copy is taken: a call that changes the object meanwhile marks it again.
  hold.changed = false;
  hold.copiedAt = Date.now();
  // Read before the copy is taken: a copy taken before a time-travel restore is not the one to keep.
  const keep = hold.keepNextCopy;
  try {
    const { copy, position } = await takeOrMarkFailing(env, kind, id, hold);
    const name = snapshotName(kind, id, hold.generation, randomHex());
    const size = await writeBlob(env, name, copy);
    const params = [kind, id, hold.generation, thisProcess(env).boot, hold.copiedAt, size, name, position, keep];
    const [outcome] = await database(env).query(SNAPSHOT_SQL.publish, params);
    if (outcome?.published) {
      if (keep) hold.keepNextCopy = false;
      if (outcome.replaced) await deleteBlobs(env, [outcome.replaced]);
      return;
    }
    await deleteBlobs(env, [name]);
    log.warn(`did not publish a copy of ${kind} ${id}: this process no longer owns it at generation ${hold.generation}`, { kind, object: id });
  } catch (error) {
    hold.changed = true;
    throw error;
  }
}

/**
 * The object's copy as its kind writes it out. When the object cannot be written out (a D1
 * database with a virtual table), its newest published copy is marked stale in Postgres: a
 * takeover must then refuse rather than serve it (placement.ts). A blob store or database that
 * fails for a while only delays the next copy, as the interval does, and marks nothing.
 */
async function takeOrMarkFailing(env: Env, kind: string, id: string, hold: Held): Promise<{ copy: ReadableStream<Uint8Array>; position: number }> {
  try {
    return await copiesOf(kind).take(env, id);
  } catch (error) {
    // Its message's first line only: the reason reaches tenants in the refusal, never a stack.
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 300) ?? "";
    await database(env)
      .query(SNAPSHOT_SQL.failing, [kind, id, hold.generation, thisProcess(env).boot, reason])
      .catch((failure: unknown) => log.error(`could not mark the copies of ${kind} ${id} as failing`, { error: errorText(failure) }));
    throw error;
  }
}

let copying = false;

/** On the supervisor's beat: copies every object held here that changed and whose newest copy is older than the interval. */
export async function copyChangedObjects(env: Env): Promise<void> {
  if (copying) return;
  copying = true;
  try {
    const dueBefore = Date.now() - env.CONFIG.objectSnapshotSeconds * 1000;
    for (const [key, hold] of [...held]) {
      if (!hold.changed || hold.copiedAt > dueBefore || held.get(key) !== hold || Date.now() >= hold.deadline) continue;
      const [kind = "", id = ""] = key.split("\u0000");
      await copyObject(env, kind, id, hold).catch((error: unknown) => log.error(`could not copy ${kind} ${id} to the blob store`, { error: errorText(error) }));
    }
  } finally {
    copying = false;
  }
}

/** The object's newest published copy, or null when it has none (it was held before copies were taken). */
export async function newestCopy(env: Env, kind: string, id: string): Promise<SnapshotRow | null> {
  const [row] = await database(env).query(SNAPSHOT_SQL.newest, [kind, id]);
  return row ?? null;
}

/** A blob written under a new name, listed in the blob intent log first: collected unless a statement claims it. Answers its size. */
export async function writeBlob(env: Env, name: string, body: Uint8Array | ReadableStream<Uint8Array>): Promise<number> {
  await database(env).query(BLOB_SQL.pending, [name, PENDING_BLOB_GRACE]);
  if (body instanceof Uint8Array) {
    await blobStore(env).put(name, new Response(body).body as ReadableStream<Uint8Array>);
    return body.byteLength;
  }
  let size = 0;
  // A byte stream: the S3 driver reads its parts with BYOB reads.
  const reader = body.getReader();
  const source: UnderlyingByteSource = {
    type: "bytes",
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      size += value.byteLength;
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  };
  await blobStore(env).put(name, new ReadableStream(source) as ReadableStream<Uint8Array>);
  return size;
}

/** A blob's text (a log segment) of `size` bytes. */
export async function readBlob(env: Env, blob: string, size: number | string): Promise<string> {
  return new Response(await readBlobStream(env, blob, size)).text();
}

/** A blob's bytes (a copy) of `size` bytes, as they are read; null names the empty object's copy. */
export async function readBlobStream(env: Env, blob: string | null, size: number | string): Promise<ReadableStream<Uint8Array> | null> {
  return blob === null ? null : blobStore(env).get(blob, 0, Number(size));
}

/** Before an object is first taken: its newest copy is the empty object, so losing its owner before its first copy restores it empty. */
export async function recordEmptyCopy(env: Env, kind: string, id: string): Promise<void> {
  await database(env).query(SNAPSHOT_SQL.empty, [kind, id]);
}

/** An object gone for good: its copies and its log go too. */
export async function forgetCopies(env: Env, kind: string, id: string): Promise<void> {
  await database(env).query(SNAPSHOT_SQL.forget, [kind, id]);
  await database(env).query(LOG_SQL.forget, [kind, id]);
}

/**
 * A hold's copy and log bookkeeping when it is taken: `changed` unless its data is known to be the
 * newest copy's; its log shipped up to `shipped`, and what is after it (if anything) is due.
 */
export const copyState = (changed: boolean, shipped: number) => ({
  changed,
  copiedAt: Date.now(),
  copying: null,
  keepNextCopy: false,
  shipped,
  unshipped: true,
  shipping: null,
});
