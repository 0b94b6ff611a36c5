import { assetConfigOf, serveAsset } from "../assets/serve.ts";
import type { Env } from "../env.ts";
import { loadVersion } from "./loader.ts";
import { servePresigned } from "../storage/presigned-endpoint.ts";
import { STORAGE_HOST_LABEL, chooseVersion, resolveRequest, workerNameFromHost } from "./routes.ts";

/** The public socket: route pattern or `Host: NAME.<baseDomain>` → worker → a version's isolate. */
export async function dispatch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  if (workerNameFromHost(host, env.CONFIG.baseDomain) === STORAGE_HOST_LABEL) return servePresigned(request, env, ctx);
  const route = await resolveRequest(env, ctx, host, url.pathname);
  if (!route) {
    return new Response(`No worker is deployed at ${host}. Workers answer at NAME.${env.CONFIG.baseDomain}.\n`, {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  const versionId = chooseVersion(route, request);
  // Static assets answer before the worker runs, as Cloudflare's default run_worker_first = false.
  const assets = await assetConfigOf(env, versionId);
  if (assets && !assets.runWorkerFirst) {
    const asset = await serveAsset(env, route.tenant, assets, request);
    if (asset) return asset;
  }
  try {
    return await loadVersion(env, ctx, route, versionId).getEntrypoint().fetch(request);
  } catch (error) {
    console.error(`worker ${route.worker} (version ${versionId}, tenant ${route.tenant}) threw:`, error);
    return new Response("Worker threw an exception; the error is in the platform log.\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}
