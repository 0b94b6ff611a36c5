/** Workers static assets limits: https://developers.cloudflare.com/workers/static-assets/#limits */
export const ASSET_LIMITS = {
  MAX_FILE_BYTES: 25 * 1024 * 1024,
  MAX_FILES: 20_000,
} as const;

/** https://developers.cloudflare.com/workers/static-assets/routing/ */
export const HTML_HANDLING = ["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"] as const;
export const NOT_FOUND_HANDLING = ["none", "single-page-application", "404-page"] as const;

/**
 * Rules of `_redirects`, `_headers` and `run_worker_first`:
 * https://developers.cloudflare.com/workers/static-assets/redirects/#per-file,
 * https://developers.cloudflare.com/workers/static-assets/headers/#custom-headers,
 * https://developers.cloudflare.com/workers/static-assets/binding/#run_worker_first
 */
export const ASSET_RULE_LIMITS = {
  MAX_STATIC_REDIRECTS: 2000,
  MAX_DYNAMIC_REDIRECTS: 100,
  MAX_HEADER_RULES: 100,
  MAX_LINE_LENGTH: 2000,
  MAX_RUN_WORKER_FIRST_RULES: 100,
  MAX_RUN_WORKER_FIRST_RULE_LENGTH: 100,
} as const;

export const REDIRECT_STATUSES = [200, 301, 302, 303, 307, 308] as const;

/** One `_redirects` line: `from` is a path pattern; status 200 serves `to`'s asset at `from`. */
export interface RedirectRule {
  from: string;
  to: string;
  status: (typeof REDIRECT_STATUSES)[number];
}

/** One `_headers` block: applies to asset responses whose URL matches `path`. */
export interface HeaderRule {
  path: string;
  set?: Record<string, string>;
  unset?: string[];
}

export interface AssetConfig {
  /** path ("/a/b.html") → content hash (SHA-256 hex) and size */
  files: Record<string, { hash: string; size: number }>;
  htmlHandling: (typeof HTML_HANDLING)[number];
  notFoundHandling: (typeof NOT_FOUND_HANDLING)[number];
  /**
   * Cloudflare's default (false): assets are served before the worker runs. A list of route
   * patterns runs the worker first on those ("/api/*"), except where a "!/…" pattern matches.
   */
  runWorkerFirst: boolean | string[];
  /** false for an assets-only project: what no asset answers gets a 404, never the placeholder worker */
  hasWorker?: boolean;
  /** in file order; the first match wins */
  redirects?: RedirectRule[];
  /** in file order; every match applies */
  headers?: HeaderRule[];
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
