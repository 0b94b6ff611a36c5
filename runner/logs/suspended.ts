// Requests a suspended worker is not run for (dispatch/dispatch.ts answers them 503): stored as
// invocations with outcome `suspended` when the serving version has observability on, so that
// `outpost tail` and `outpost logs` show why its clients get 503. The store writes them off the
// request's path.
import type { Env } from "../env.ts";
import { cut } from "./events.ts";
import { type StoredInvocation, storable } from "./invocation.ts";
import { sampled } from "./open.ts";
import { enqueueAndFlush } from "./store.ts";

/** The worker refused: the route's fields (dispatch/routes.ts), named here so this layer imports no dispatch code. */
interface Route {
  tenant: string;
  worker: string;
  versionId: string;
  /** Each serving version's head sampling rate, 0 with observability off. */
  sampling: Record<string, number>;
}

export function storeSuspended(env: Env, ctx: ExecutionContext, route: Route, request: Request, clientIp: string | null, status: number): void {
  if (!sampled(route.sampling[route.versionId] ?? 0)) return;
  const url = new URL(request.url);
  const row: StoredInvocation = {
    tenant: route.tenant,
    worker: route.worker,
    version: route.versionId,
    atMs: Date.now(),
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
  enqueueAndFlush(env, ctx, { tenant: route.tenant, worker: route.worker, row: () => row });
}
