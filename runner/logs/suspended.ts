// Requests a suspended worker is not run for (dispatch/dispatch.ts answers them 503): stored as
// invocations with outcome `suspended` when the serving version has observability on, so that
// `outpost tail` and `outpost logs` show why its clients get 503. Off the request's path.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { cut } from "./events.ts";
import { storable } from "./invocation.ts";
import { enqueue, flush } from "./store.ts";

/** Versions never change: their sampling rate (null: observability off) is remembered, this many at most. */
const MAX_VERSIONS = 10_000;
const samplingRates = new Map<string, number | null>();

/** The worker refused: the route's fields (dispatch/routes.ts), named here so this layer imports no dispatch code. */
interface Route {
  tenant: string;
  worker: string;
  versionId: string;
}

export function storeSuspended(env: Env, ctx: ExecutionContext, route: Route, request: Request, clientIp: string | null, status: number): void {
  ctx.waitUntil(record(env, route, request, clientIp, status, Date.now()));
}

async function record(env: Env, route: Route, request: Request, clientIp: string | null, status: number, atMs: number): Promise<void> {
  // The database could not say whether the version is observed: the request goes unrecorded.
  const rate = await samplingRateOf(env, route.versionId).catch(() => null);
  if (rate === null || Math.random() >= rate) return;
  const url = new URL(request.url);
  enqueue({
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
  });
  await flush(env);
}

async function samplingRateOf(env: Env, versionId: string): Promise<number | null> {
  const known = samplingRates.get(versionId);
  if (known !== undefined) return known;
  const [row] = await database(env).query<{ observability: boolean; head_sampling_rate: number }>(
    "SELECT observability, head_sampling_rate FROM versions WHERE id = $1",
    [versionId],
  );
  const rate = row?.observability === true && row.head_sampling_rate > 0 ? row.head_sampling_rate : null;
  if (samplingRates.size >= MAX_VERSIONS) samplingRates.delete(samplingRates.keys().next().value as string);
  samplingRates.set(versionId, rate);
  return rate;
}
