// Asset uploads: the CLI asks which hashes the tenant lacks, uploads only those, then deploys a
// manifest naming them. Bytes are checked against their hash as they stream in.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { ASSET_LIMITS, assetBlobName } from "../assets/constants.ts";
import { blobStore } from "../storage/blobs.ts";

export async function missingAssets(env: Env, tenant: string, hashes: string[]): Promise<string[]> {
  const rows = await database(env).query("SELECT hash FROM asset_blobs WHERE tenant = $1 AND hash = ANY($2::text[])", [tenant, hashes]);
  const present = new Set(rows.map((row) => row.hash as string));
  return [...new Set(hashes)].filter((hash) => !present.has(hash));
}

export async function uploadAsset(env: Env, tenant: string, hash: string, body: ReadableStream<Uint8Array>): Promise<void> {
  const hasher = new crypto.DigestStream("SHA-256");
  const writer = hasher.getWriter();
  let size = 0;
  const name = assetBlobName(tenant, hash);
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
  await database(env).query("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", [tenant]);
  await blobStore(env).put(name, checked);
  const actual = [...new Uint8Array(await hasher.digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  if (actual !== hash) {
    await blobStore(env).delete(name);
    throw new PlatformError("ERR_BAD_REQUEST", 400, `The uploaded bytes hash to ${actual}, not ${hash}.`);
  }
  await database(env).query("INSERT INTO asset_blobs (tenant, hash, size) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [tenant, hash, size]);
}

/** Every file of a manifest must have been uploaded by this tenant, with the size it claims. */
export async function checkManifest(env: Env, tenant: string, files: Record<string, { hash: string; size: number }>): Promise<void> {
  const entries = Object.entries(files);
  if (entries.length === 0) return;
  const rows = await database(env).query("SELECT hash, size FROM asset_blobs WHERE tenant = $1 AND hash = ANY($2::text[])", [
    tenant,
    [...new Set(entries.map(([, file]) => file.hash))],
  ]);
  const sizes = new Map(rows.map((row) => [row.hash as string, Number(row.size)]));
  for (const [path, file] of entries) {
    const size = sizes.get(file.hash);
    if (size === undefined) throw new PlatformError("ERR_BAD_REQUEST", 400, `Asset ${path} (${file.hash}) was not uploaded; upload it first (POST /v1/assets/missing, PUT /v1/assets/:hash).`);
    if (size !== file.size) throw new PlatformError("ERR_BAD_REQUEST", 400, `Asset ${path} is ${size} bytes, not ${file.size}.`);
  }
}
