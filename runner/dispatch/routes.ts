import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { bySpecificity, matchesRoute, parsePattern, type RoutePattern } from "./patterns.ts";
import { RefreshingCache } from "./refreshing-cache.ts";

export interface Route {
  worker: string;
  tenant: string;
  versionId: string;
  /** A gradual rollout: `percent` of requests go to `versionId`. */
  rollout: { versionId: string; percent: number } | null;
  /** Changes with every secret put/delete: a new isolate gets the new values. */
  secretsRevision: string;
}

/**
 * How long a host serves cached routing before checking Postgres again. Changes made through
 * this host apply at once; other hosts hear of them through NOTIFY (routes-changed) and, should
 * that be lost, within this bound.
 */
const ROUTE_TTL_MS = 1000;
/** Bounded: hostnames are client input, and unknown ones are cached (as null) too. */
const MAX_CACHED_WORKERS = 10_000;

export const ROUTES_CHANNEL = "outpost_routes";

/** `storage.<base domain>` serves presigned URLs; no worker can take that name. */
export const STORAGE_HOST_LABEL = "storage";

const workers = new RefreshingCache<Route | null>(ROUTE_TTL_MS, MAX_CACHED_WORKERS);
const patterns = new RefreshingCache<{ route: RoutePattern; worker: string }[]>(ROUTE_TTL_MS, 1);

/** The worker a `Host` header names, or null when it is not `NAME.<baseDomain>`. */
export function workerNameFromHost(host: string, baseDomain: string): string | null {
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const name = hostname.slice(0, -suffix.length);
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name) ? name : null;
}

/** Route patterns first (most specific wins), then `NAME.<baseDomain>`. */
export async function resolveRequest(env: Env, ctx: ExecutionContext, host: string, path: string): Promise<Route | null> {
  const table = await patterns.get("all", ctx, () => loadPatterns(env));
  const name = table.find(({ route }) => matchesRoute(route, host, path))?.worker ?? workerNameFromHost(host, env.CONFIG.baseDomain);
  return name === null ? null : resolveWorker(env, ctx, name);
}

export function resolveWorker(env: Env, ctx: ExecutionContext, name: string): Promise<Route | null> {
  return workers.get(name, ctx, () => loadWorker(env, name));
}

/** The version this request runs: during a rollout, sticky per `Cloudflare-Workers-Version-Key`. */
export function chooseVersion(route: Route, request: Request): string {
  if (!route.rollout) return route.versionId;
  const key = request.headers.get("cloudflare-workers-version-key");
  const bucket = key === null ? Math.random() * 100 : fnv1a(key) % 100;
  return bucket < route.rollout.percent ? route.rollout.versionId : route.versionId;
}

/** Drops cached routing for one worker (or, with no name, everything). */
export function forgetRoutes(worker?: string): void {
  patterns.clear();
  if (worker) workers.forget(worker);
  else workers.clear();
}

async function loadWorker(env: Env, name: string): Promise<Route | null> {
  const [row] = await database(env).query(
    "SELECT tenant, version_id, rollout_version_id, rollout_percent, secrets_revision::text AS secrets_revision FROM workers WHERE name = $1",
    [name],
  );
  if (!row) return null;
  return {
    worker: name,
    tenant: row.tenant as string,
    versionId: row.version_id as string,
    rollout: row.rollout_version_id ? { versionId: row.rollout_version_id as string, percent: row.rollout_percent as number } : null,
    secretsRevision: row.secrets_revision as string,
  };
}

async function loadPatterns(env: Env): Promise<{ route: RoutePattern; worker: string }[]> {
  const rows = await database(env).query("SELECT pattern, worker FROM routes");
  const table = rows.flatMap((row) => {
    const route = parsePattern(row.pattern as string);
    return typeof route === "string" ? [] : [{ route, worker: row.worker as string }];
  });
  return table.sort((a, b) => bySpecificity(a.route, b.route));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
