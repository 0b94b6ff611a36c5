/** Workers static assets limits: https://developers.cloudflare.com/workers/static-assets/#limits */
export const ASSET_LIMITS = {
  MAX_FILE_BYTES: 25 * 1024 * 1024,
  MAX_FILES: 20_000,
} as const;

/** https://developers.cloudflare.com/workers/static-assets/routing/ */
export const HTML_HANDLING = ["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"] as const;
export const NOT_FOUND_HANDLING = ["none", "single-page-application", "404-page"] as const;

export interface AssetConfig {
  /** path ("/a/b.html") → content hash (SHA-256 hex) and size */
  files: Record<string, { hash: string; size: number }>;
  htmlHandling: (typeof HTML_HANDLING)[number];
  notFoundHandling: (typeof NOT_FOUND_HANDLING)[number];
  /** Cloudflare's default (false): assets are served before the worker runs. */
  runWorkerFirst: boolean;
}

/** Where a tenant's bytes for one hash are stored; each upload appends a unique suffix. */
export function assetBlobName(tenant: string, hash: string): string {
  return `assets-${tenant}-${hash}`;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  wasm: "application/wasm",
  pdf: "application/pdf",
  map: "application/json",
  webmanifest: "application/manifest+json",
};

export function contentTypeOf(path: string): string {
  return TYPES[path.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}
