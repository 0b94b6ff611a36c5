// Asset uploads: the CLI asks which hashes the tenant lacks, uploads only those, then deploys a
// manifest naming them. Bytes are checked against their hash as they stream in.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { ASSET_LIMITS, assetBlobName } from "../assets/constants.ts";
import { toHex } from "../encoding.ts";
import { blobStore } from "../blobs/store.ts";
import { BLOB_SQL, PENDING_BLOB_GRACE } from "../blobs/sql.ts";
import { deleteBlobs } from "../blobs/sweep.ts";

export async function missingAssets(env: Env, tenant: string, hashes: string[]): Promise<string[]> {
  const rows = await database(env).query<{ hash: string }>("SELECT hash FROM asset_blobs WHERE tenant = $1 AND hash = ANY($2::text[])", [tenant, hashes]);
  const present = new Set(rows.map((row) => row.hash));
  return [...new Set(hashes)].filter((hash) => !present.has(hash));
}

/**
 * Stores an upload under a fresh blob name and records it only once its bytes hash to `hash`:
 * wrong bytes never touch the blob that serves that hash, nor a concurrent upload's. The blob is
 * in the intent log (migration 0007) while it is written, so a crash leaves nothing behind.
 */
export async function uploadAsset(env: Env, tenant: string, hash: string, body: ReadableStream<Uint8Array>): Promise<void> {
  await database(env).query("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", [tenant]);
  const blob = `${assetBlobName(tenant, hash)}-${crypto.randomUUID()}`;
  await database(env).query(BLOB_SQL.pending, [blob, PENDING_BLOB_GRACE]);
  let stored: { size: number; actual: string };
  try {
    stored = await writeHashed(env, blob, body);
  } catch (error) {
    await deleteBlobs(env, [blob]);
    throw error;
  }
  if (stored.actual !== hash) {
    await deleteBlobs(env, [blob]);
    throw new PlatformError("ERR_BAD_REQUEST", 400, `The uploaded bytes hash to ${stored.actual}, not ${hash}.`);
  }
  const [row] = await database(env).query<{ saved: number }>(
    `WITH saved AS (INSERT INTO asset_blobs (tenant, hash, size, blob) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING blob),
          kept AS (DELETE FROM r2_garbage WHERE blob = $4 AND EXISTS (SELECT 1 FROM saved))
     SELECT count(*)::int AS saved FROM saved`,
    [tenant, hash, stored.size, blob],
  );
  // The same bytes were stored already (an earlier or concurrent upload): ours are not needed.
  if (row?.saved === 0) await deleteBlobs(env, [blob]);
}

async function writeHashed(env: Env, blob: string, body: ReadableStream<Uint8Array>): Promise<{ size: number; actual: string }> {
  const hasher = new crypto.DigestStream("SHA-256");
  const writer = hasher.getWriter();
  let size = 0;
  const checked = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > ASSET_LIMITS.MAX_FILE_BYTES) throw new PlatformError("ERR_TOO_LARGE", 413, `Assets are at most ${ASSET_LIMITS.MAX_FILE_BYTES} bytes each.`);
        await writer.write(chunk);
        controller.enqueue(chunk);
      },
      flush: () => writer.close(),
    }),
  );
  await blobStore(env).put(blob, checked);
  return { size, actual: toHex(new Uint8Array(await hasher.digest)) };
}

/** Every file of a manifest must have been uploaded by this tenant, with the size it claims. */
export async function checkManifest(env: Env, tenant: string, files: Record<string, { hash: string; size: number }>): Promise<void> {
  const entries = Object.entries(files);
  if (entries.length === 0) return;
  const rows = await database(env).query<{ hash: string; size: string /* bigint */ }>(
    "SELECT hash, size FROM asset_blobs WHERE tenant = $1 AND hash = ANY($2::text[])",
    [tenant, [...new Set(entries.map(([, file]) => file.hash))]],
  );
  const sizes = new Map(rows.map((row) => [row.hash, Number(row.size)]));
  for (const [path, file] of entries) {
    const size = sizes.get(file.hash);
    if (size === undefined)
      throw new PlatformError(
        "ERR_BAD_REQUEST",
        400,
        `Asset ${path} (${file.hash}) was not uploaded; upload it first (POST /v1/assets/missing, PUT /v1/assets/:hash).`,
      );
    if (size !== file.size) throw new PlatformError("ERR_BAD_REQUEST", 400, `Asset ${path} is ${size} bytes, not ${file.size}.`);
  }
}
