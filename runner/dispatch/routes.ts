import { database } from "../db/client.ts";
import type { Env } from "../env.ts";

export interface Route {
  worker: string;
  tenant: string;
  versionId: string;
}

interface CachedRoute {
  route: Route | null;
  fetchedAt: number;
}

/**
 * How long a host serves a cached route before checking Postgres again. A deploy through this
 * host is visible at once (the admin API drops the entry); through another host within this.
 */
const ROUTE_TTL_MS = 1000;

const MAX_CACHED_ROUTES = 10_000;
const cache = new Map<string, CachedRoute>();
const refreshing = new Set<string>();

/** The worker a `Host` header names, or null when it is not `NAME.<baseDomain>`. */
export function workerNameFromHost(host: string, baseDomain: string): string | null {
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const name = hostname.slice(0, -suffix.length);
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name) ? name : null;
}

/** Serves from cache; a stale entry is served while one refresh runs in the background. */
export async function resolveRoute(env: Env, ctx: ExecutionContext, worker: string): Promise<Route | null> {
  const cached = cache.get(worker);
  if (!cached) return refresh(env, worker);
  if (Date.now() - cached.fetchedAt > ROUTE_TTL_MS && !refreshing.has(worker)) {
    refreshing.add(worker);
    ctx.waitUntil(refresh(env, worker).finally(() => refreshing.delete(worker)));
  }
  return cached.route;
}

export function forgetRoute(worker: string): void {
  cache.delete(worker);
}

async function refresh(env: Env, worker: string): Promise<Route | null> {
  const [row] = await database(env).query("SELECT tenant, version_id FROM workers WHERE name = $1", [worker]);
  const route = row ? { worker, tenant: row.tenant as string, versionId: row.version_id as string } : null;
  cache.delete(worker);
  cache.set(worker, { route, fetchedAt: Date.now() });
  // Bounded: hostnames are client input, and unknown ones are cached (as null) too.
  if (cache.size > MAX_CACHED_ROUTES) cache.delete(cache.keys().next().value as string);
  return route;
}
