import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { blobStore } from "../blobs/store.ts";
import { type AssetConfig, type RedirectRule, contentTypeOf } from "./constants.ts";
import { resolveAsset } from "./resolve.ts";
import { compileHeaders, compileRedirects } from "./rules.ts";

/** A version's assets as served: the stored config with its rules compiled once. */
export interface VersionAssets {
  config: AssetConfig;
  /**
   * Cloudflare's assets_navigation_prefers_asset_serving (on from compatibility date
   * 2025-04-01): a navigation (`Sec-Fetch-Mode: navigate`) matching no asset gets
   * not_found_handling's page without the worker.
   */
  navigationPrefersAssets: boolean;
  redirectFor: (url: URL) => RedirectRule | null;
  applyHeaders: (url: URL, headers: Headers) => void;
}

/** Versions are immutable, so their asset configs are cached for good (bounded). */
const configs = new Map<string, VersionAssets | null>();
const MAX_CACHED_CONFIGS = 1000;
/** So are asset_blobs rows (never updated or deleted): "<tenant>:<hash>" → blob name. */
const blobs = new Map<string, string>();
const MAX_CACHED_BLOBS = 10_000;

const NAVIGATION_FLAG = { enable: "assets_navigation_prefers_asset_serving", disable: "assets_navigation_has_no_effect", since: "2025-04-01" } as const;

export async function assetConfigOf(env: Env, versionId: string): Promise<VersionAssets | null> {
  if (!configs.has(versionId)) {
    const [row] = await database(env).query<{ assets: AssetConfig | null; compatibility_date: string; compatibility_flags: string[] }>(
      "SELECT assets, compatibility_date, compatibility_flags FROM versions WHERE id = $1",
      [versionId],
    );
    configs.set(versionId, row?.assets ? versionAssets(row.assets, row.compatibility_date, row.compatibility_flags) : null);
    if (configs.size > MAX_CACHED_CONFIGS) configs.delete(configs.keys().next().value as string);
  }
  return configs.get(versionId) ?? null;
}

function versionAssets(config: AssetConfig, date: string, flags: string[]): VersionAssets {
  const navigationPrefersAssets = flags.includes(NAVIGATION_FLAG.enable) || (date >= NAVIGATION_FLAG.since && !flags.includes(NAVIGATION_FLAG.disable));
  return { config, navigationPrefersAssets, redirectFor: compileRedirects(config.redirects ?? []), applyHeaders: compileHeaders(config.headers ?? []) };
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

/** What the asset server does with a request; null when no asset answers it (the worker may). */
export type AssetIntent =
  { kind: "redirect"; status: number; location: string } | { kind: "file"; path: string; status: 200 | 404 } | { kind: "status"; status: 404 | 405 };

/**
 * `_redirects` rules come first, then html_handling and `notFoundHandling` (the config's unless
 * the router says otherwise, runner/assets/router.ts). Pure: no storage is read.
 */
export function assetIntent(assets: VersionAssets, url: URL, method: string, notFoundHandling = assets.config.notFoundHandling): AssetIntent | null {
  const redirect = assets.redirectFor(url);
  if (redirect && redirect.status !== 200) return { kind: "redirect", status: redirect.status, location: redirectLocation(redirect.to, url) };
  // A 200 rule serves another path's asset at this URL; when there is none, that is a 404.
  const rewritten = redirect ? new URL(redirect.to, url).pathname : null;
  const resolution = resolveAsset(assets.config, rewritten ?? url.pathname, notFoundHandling);
  if (resolution.kind === "none") return rewritten ? { kind: "status", status: 404 } : null;
  // As Cloudflare: a path with an asset is the asset server's for every method.
  if (method !== "GET" && method !== "HEAD") return { kind: "status", status: 405 };
  if (resolution.kind === "redirect") return { kind: "redirect", status: 307, location: `${resolution.location}${url.search}` };
  return resolution;
}

/**
 * The asset server's response, or null when no asset answers. `_headers` rules apply to every
 * response given here. Strong ETags are the content hash: If-None-Match gives 304, Range 206.
 */
export async function serveAsset(env: Env, tenant: string, assets: VersionAssets, request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  const intent = assetIntent(assets, url, request.method);
  const response = intent && (await respond(env, tenant, assets.config, request, intent));
  if (response) assets.applyHeaders(url, response.headers);
  return response;
}

async function respond(env: Env, tenant: string, config: AssetConfig, request: Request, intent: AssetIntent): Promise<Response | null> {
  if (intent.kind === "redirect") return new Response(null, { status: intent.status, headers: { location: intent.location } });
  if (intent.kind === "status") return new Response(null, { status: intent.status });
  const file = config.files[intent.path];
  if (!file) return null;
  const etag = `"${file.hash}"`;
  const headers = new Headers({ "content-type": contentTypeOf(intent.path), etag });
  // Cloudflare's default, left off a response to a request with credentials or a range.
  if (!request.headers.has("authorization") && !request.headers.has("range")) headers.set("cache-control", "public, max-age=0, must-revalidate");
  if (intent.status === 200) {
    headers.set("accept-ranges", "bytes");
    const ifNoneMatch = request.headers.get("if-none-match");
    if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*" || tag.trim() === `W/${etag}`)) {
      return new Response(null, { status: 304, headers });
    }
  }
  let offset = 0;
  let length = file.size;
  let status: number = intent.status;
  const range = intent.status === 200 ? request.headers.get("range") : null;
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

/** Where a redirect rule sends: the request's query string is kept unless the target has its own. */
function redirectLocation(to: string, url: URL): string {
  const target = new URL(to, url);
  const search = target.search || url.search;
  if (target.origin === url.origin) return `${target.pathname}${search}${target.hash}`;
  return `${target.origin}${target.pathname}${search}${target.hash}`;
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
