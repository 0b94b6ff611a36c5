import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { blobStore } from "../blobs/store.ts";
import { type AssetConfig, contentTypeOf } from "./constants.ts";
import { resolveAsset } from "./resolve.ts";

/** Versions are immutable, so their asset configs are cached for good (bounded). */
const configs = new Map<string, AssetConfig | null>();
const MAX_CACHED_CONFIGS = 1000;
/** So are asset_blobs rows (never updated or deleted): "<tenant>:<hash>" → blob name. */
const blobs = new Map<string, string>();
const MAX_CACHED_BLOBS = 10_000;

export async function assetConfigOf(env: Env, versionId: string): Promise<AssetConfig | null> {
  if (!configs.has(versionId)) {
    const [row] = await database(env).query<{ assets: AssetConfig | null }>("SELECT assets FROM versions WHERE id = $1", [versionId]);
    configs.set(versionId, row?.assets ?? null);
    if (configs.size > MAX_CACHED_CONFIGS) configs.delete(configs.keys().next().value as string);
  }
  return configs.get(versionId) ?? null;
}

/** The blob holding a tenant's file with this hash (deploys check it was uploaded). */
async function blobOf(env: Env, tenant: string, hash: string): Promise<string> {
  const slot = `${tenant}:${hash}`;
  let blob = blobs.get(slot);
  if (!blob) {
    const [row] = await database(env, tenant).query<{ blob: string }>("SELECT blob FROM asset_blobs WHERE tenant = $1 AND hash = $2", [tenant, hash]);
    if (!row) throw new Error(`asset ${hash} of tenant ${tenant} has no stored blob`);
    blob = row.blob;
    blobs.set(slot, blob);
    if (blobs.size > MAX_CACHED_BLOBS) blobs.delete(blobs.keys().next().value as string);
  }
  return blob;
}

/**
 * The response for a static asset, or null when no asset answers this request (the worker
 * does). Strong ETags are the content hash: If-None-Match gives 304, Range gives 206.
 */
export async function serveAsset(env: Env, tenant: string, config: AssetConfig, request: Request): Promise<Response | null> {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const url = new URL(request.url);
  const resolution = resolveAsset(config, url.pathname);
  if (resolution.kind === "none") return null;
  if (resolution.kind === "redirect") return new Response(null, { status: 307, headers: { location: `${resolution.location}${url.search}` } });
  const file = config.files[resolution.path];
  if (!file) return null;
  const etag = `"${file.hash}"`;
  const headers = new Headers({ "content-type": contentTypeOf(resolution.path), etag, "cache-control": "public, max-age=0, must-revalidate" });
  if (resolution.status === 200) {
    headers.set("accept-ranges", "bytes");
    const ifNoneMatch = request.headers.get("if-none-match");
    if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*" || tag.trim() === `W/${etag}`)) {
      return new Response(null, { status: 304, headers });
    }
  }
  let offset = 0;
  let length = file.size;
  let status: number = resolution.status;
  const range = resolution.status === 200 ? request.headers.get("range") : null;
  if (range) {
    const span = byteRange(range, file.size);
    if (!span) return new Response(null, { status: 416, headers: { "content-range": `bytes */${file.size}` } });
    ({ offset, length } = span);
    status = 206;
    headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${file.size}`);
  }
  headers.set("content-length", String(length));
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const body = await blobStore(env).get(await blobOf(env, tenant, file.hash), offset, length);
  return new Response(body, { status, headers });
}

/** A single `bytes=` range, or null when it cannot be satisfied. */
function byteRange(header: string, size: number): { offset: number; length: number } | null {
  const match = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (!match[1] && !match[2])) return null;
  const [, start, end] = match;
  if (!start) {
    const length = Math.min(Number(end), size);
    return length > 0 ? { offset: size - length, length } : null;
  }
  const offset = Number(start);
  const last = end ? Math.min(Number(end), size - 1) : size - 1;
  return offset <= last ? { offset, length: last - offset + 1 } : null;
}
