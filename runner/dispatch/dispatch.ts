import type { Env } from "../env.ts";
import { loadVersion } from "./loader.ts";
import { resolveRoute, workerNameFromHost } from "./routes.ts";

/** The public socket: `Host: NAME.<baseDomain>` → worker → its current version's isolate. */
export async function dispatch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const host = request.headers.get("host") ?? new URL(request.url).host;
  const name = workerNameFromHost(host, env.CONFIG.baseDomain);
  const route = name === null ? null : await resolveRoute(env, ctx, name);
  if (!route) {
    return new Response(`No worker is deployed at ${host}. Workers answer at NAME.${env.CONFIG.baseDomain}.\n`, {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  try {
    return await loadVersion(env, ctx, route).getEntrypoint().fetch(request);
  } catch (error) {
    console.error(`worker ${route.worker} (version ${route.versionId}, tenant ${route.tenant}) threw:`, error);
    return new Response("Worker threw an exception; the error is in the platform log.\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}
