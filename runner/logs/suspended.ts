// Requests a suspended worker is not run for (dispatch/dispatch.ts answers them 503): stored as
// invocations with outcome `suspended` when the serving version has observability on, so that
// `outpost tail` and `outpost logs` show why its clients get 503. Off the request's path.
import type { Env } from "../env.ts";
import { cut } from "./events.ts";
import { type StoredInvocation, storable } from "./invocation.ts";
import { enqueue, flush } from "./store.ts";

/** The worker refused: the route's fields (dispatch/routes.ts), named here so this layer imports no dispatch code. */
interface Route {
  tenant: string;
  worker: string;
  versionId: string;
  /** Each serving version's head sampling rate, 0 with observability off. */
  sampling: Record<string, number>;
}

export function storeSuspended(env: Env, ctx: ExecutionContext, route: Route, request: Request, clientIp: string | null, status: number): void {
  ctx.waitUntil(record(env, route, request, clientIp, status, Date.now()));
}

async function record(env: Env, route: Route, request: Request, clientIp: string | null, status: number, atMs: number): Promise<void> {
  const rate = route.sampling[route.versionId] ?? 0;
  if (rate === 0 || Math.random() >= rate) return;
  const url = new URL(request.url);
  const row: StoredInvocation = {
    tenant: route.tenant,
    worker: route.worker,
    version: route.versionId,
    atMs,
    trigger: "fetch",
    outcome: "suspended",
    method: storable(cut(request.method, 16)),
    path: storable(cut(url.pathname + url.search, 1024)),
    status,
    durationMs: 0,
    cpuMs: 0,
    requestId: null,
    clientIp,
    headers: null,
    cron: null,
    queue: null,
    levelRank: 0,
    logs: [],
    exceptions: [],
    dropped: 0,
  };
  enqueue({ tenant: route.tenant, worker: route.worker, row: () => row });
  await flush(env);
}
