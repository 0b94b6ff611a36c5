// Assets or the worker, decided as Cloudflare's asset router does
// (https://developers.cloudflare.com/workers/static-assets/routing/worker-script/):
// 1. `run_worker_first` patterns: "!/…" ones are served from assets (a 404 when nothing
//    matches), "/…" ones run the worker; `run_worker_first = true` runs it for every request.
// 2. Otherwise an asset that matches answers, and a request matching none reaches the worker.
//    not_found_handling (the SPA's index.html, a 404.html) answers without the worker only for
//    a navigation under assets_navigation_prefers_asset_serving, when run_worker_first is a
//    list, or when the project has no worker.
import type { Env } from "../env.ts";
import { globMatches, splitRunWorkerFirst } from "./rules.ts";
import { type VersionAssets, assetIntent, serveAsset } from "./serve.ts";

/** The asset server's response, or null when the worker should run. */
export async function assetsBeforeWorker(env: Env, tenant: string, assets: VersionAssets, request: Request): Promise<Response | null> {
  const { runWorkerFirst, hasWorker = true } = assets.config;
  if (!hasWorker) return serveOrNotFound(env, tenant, assets, request);
  const url = new URL(request.url);
  if (Array.isArray(runWorkerFirst)) {
    const rules = splitRunWorkerFirst(runWorkerFirst);
    if (rules.assets.some((glob) => globMatches(glob, url.pathname))) return serveOrNotFound(env, tenant, assets, request);
    if (rules.worker.some((glob) => globMatches(glob, url.pathname))) return null;
  } else if (runWorkerFirst) {
    return null;
  }
  // Whether assets answer is decided without not_found_handling unless kept; once they do, it applies
  // (a 200 `_redirects` rewrite to a missing path gets the SPA's index.html).
  const navigation = assets.navigationPrefersAssets && request.headers.get("sec-fetch-mode") === "navigate";
  const keepsNotFoundHandling = Array.isArray(runWorkerFirst) || navigation;
  if (!assetIntent(assets, url, request.method, keepsNotFoundHandling ? assets.config.notFoundHandling : "none")) return null;
  return serveOrNotFound(env, tenant, assets, request);
}

/** What `env.ASSETS.fetch()` and the asset-only routes answer: the asset, or an empty 404. */
export async function serveOrNotFound(env: Env, tenant: string, assets: VersionAssets, request: Request): Promise<Response> {
  const response = await serveAsset(env, tenant, assets, request);
  if (response) return response;
  const notFound = new Response(null, { status: 404 });
  assets.applyHeaders(new URL(request.url), notFound.headers);
  return notFound;
}
