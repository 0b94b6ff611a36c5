import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { DNS_LABEL, isUnderBaseDomain, ownerOf } from "./hosts.ts";
import { bySpecificity, matchesRoute, parsePattern, requestHostname, type RoutePattern } from "./patterns.ts";
import { RefreshingCache } from "./refreshing-cache.ts";
import type { Invocation } from "../logs/journal.ts";
import type { Suspension } from "./suspended.ts";

export interface Route {
  worker: string;
  tenant: string;
  versionId: string;
  /** A gradual rollout: `percent` of requests go to `versionId`. */
  rollout: { versionId: string; percent: number } | null;
  /** Changes with every secret put/delete: a new isolate gets the new values. */
  secretsRevision: string;
  /** `limits.cpu_ms` of the serving versions that set one. */
  cpuMs: Record<string, number>;
  /** The share of each serving version's invocations logged: its head sampling rate, 0 with observability off. */
  sampling: Record<string, number>;
  /** Set while the worker is suspended: none of its code runs (dispatch/suspended.ts). */
  suspended: Suspension | null;
  /** Its public requests run in the probation process, one at a time (dispatch/probation.ts). */
  probation: boolean;
}

/**
 * How long a host serves cached routing before checking Postgres again. Changes made through
 * this host apply at once; other hosts hear of them through NOTIFY (routes-changed) and, should
 * that be lost, within this bound.
 */
const ROUTE_TTL_MS = 1000;
/**
 * Public hosts reach this cache only with names in the routing table's set of workers (one
 * deleted since the set was read is cached as null until the next refresh), the platform's own
 * callers with names a deploy stored (service bindings, cron, queues): it holds about one entry
 * per worker, whatever clients send; the cap keeps the newest when there are more.
 */
const MAX_CACHED_WORKERS = 10_000;

export const ROUTES_CHANNEL = "outpost_routes";

/** `storage.<base domain>` serves presigned URLs; no worker can take that name. */
export const STORAGE_HOST_LABEL = "storage";

const workers = new RefreshingCache<Route | null>(ROUTE_TTL_MS, MAX_CACHED_WORKERS);
/**
 * Every worker's name, route patterns (most specific first) with their worker's tenant, and who
 * owns each registered domain. A host naming no worker, or owned by nobody, is answered from
 * this table alone: random `Host` headers cost no query. The table grows with the workers,
 * routes and domains that exist (about 140 bytes a worker name in V8), never with what clients send.
 */
interface RoutingTable {
  workers: ReadonlySet<string>;
  routes: { route: RoutePattern; worker: string; tenant: string }[];
  owners: Map<string, string>;
}
const routing = new RefreshingCache<RoutingTable>(ROUTE_TTL_MS, 1);

/** The worker a `Host` header names, or null when it is not `NAME.<baseDomain>`. */
export function workerNameFromHost(host: string, baseDomain: string): string | null {
  const hostname = requestHostname(host);
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const name = hostname.slice(0, -suffix.length);
  return DNS_LABEL.test(name) ? name : null;
}

/**
 * A host under the base domain is `NAME.<baseDomain>` and nothing else: no route pattern is
 * consulted, whatever the table holds, and only a name in its set of workers is looked up. Any
 * other host goes to the most specific matching route among those of the tenant owning the host,
 * so a route outlives neither its tenant's ownership nor a reassignment of the domain.
 */
export async function resolveRequest(env: Env, ctx: ExecutionContext, host: string, path: string): Promise<Route | null> {
  const hostname = requestHostname(host);
  const table = await routingTable(env, ctx);
  if (isUnderBaseDomain(hostname, env.CONFIG.baseDomain.toLowerCase())) {
    const name = workerNameFromHost(hostname, env.CONFIG.baseDomain);
    return name === null || !table.workers.has(name) ? null : resolveWorker(env, ctx, name);
  }
  const owner = ownerOf(hostname, table.owners);
  const name = owner === null ? undefined : table.routes.find((r) => r.tenant === owner && matchesRoute(r.route, hostname, path))?.worker;
  return name === undefined ? null : resolveWorker(env, ctx, name);
}

/** Read again only when stale or dropped by a change; warm-up reads it so that requests need not. */
export function routingTable(env: Env, ctx: Pick<ExecutionContext, "waitUntil">): Promise<RoutingTable> {
  return routing.get("all", ctx, () => loadRouting(env));
}

export function resolveWorker(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, name: string): Promise<Route | null> {
  return workers.get(name, ctx, () => loadWorker(env, name));
}

/** The version this request runs: during a rollout, sticky per `Cloudflare-Workers-Version-Key`. */
export function chooseVersion(route: Route, request: Request): string {
  if (!route.rollout) return route.versionId;
  const key = request.headers.get("cloudflare-workers-version-key");
  const bucket = key === null ? Math.random() * 100 : fnv1a(key) % 100;
  return bucket < route.rollout.percent ? route.rollout.versionId : route.versionId;
}

/** What the invocation journal says of a call into one of the route's versions. */
export function invocationOf(route: Route, versionId: string): Invocation {
  const stallMs = route.cpuMs[versionId];
  return { tenant: route.tenant, worker: route.worker, version: versionId, ...(stallMs === undefined ? {} : { stallMs }) };
}

/**
 * Drops the route table and cached routing for one worker (or, with no name, everything). A
 * domain change passes the domain, which names no worker.
 */
export function forgetRoutes(worker?: string): void {
  routing.clear();
  if (worker) workers.forget(worker);
  else workers.clear();
}

/**
 * The serving worker's row. The rollout columns are both set or both null (constraint
 * rollout_complete); so are the suspension's. `secrets_revision` is a bigint, read as text.
 */
type ServingRow = {
  tenant: string;
  version_id: string;
  secrets_revision: string;
  cpu_ms: number | null;
  sampling: number;
  probation: boolean;
} & (
  | { rollout_version_id: string; rollout_percent: number; rollout_cpu_ms: number | null; rollout_sampling: number }
  | { rollout_version_id: null; rollout_percent: null; rollout_cpu_ms: null; rollout_sampling: null }
) &
  ({ suspended_reason: string; suspended_ms: number } | { suspended_reason: null; suspended_ms: null });

async function loadWorker(env: Env, name: string): Promise<Route | null> {
  const [row] = await database(env).query<ServingRow>(
    `SELECT w.tenant, w.version_id, w.rollout_version_id, w.rollout_percent, w.secrets_revision::text AS secrets_revision,
            v.cpu_ms, rv.cpu_ms AS rollout_cpu_ms,
            CASE WHEN v.observability THEN v.head_sampling_rate ELSE 0 END AS sampling,
            CASE WHEN rv.observability THEN rv.head_sampling_rate ELSE 0 END AS rollout_sampling, s.reason AS suspended_reason,
            (extract(epoch FROM s.at) * 1000)::float8 AS suspended_ms, p.until IS NOT NULL AS probation
       FROM workers w
       JOIN versions v ON v.id = w.version_id
       LEFT JOIN versions rv ON rv.id = w.rollout_version_id
       LEFT JOIN suspensions s ON s.tenant = w.tenant AND s.worker = w.name AND s.lifted_at IS NULL
       LEFT JOIN probations p ON p.tenant = w.tenant AND p.worker = w.name AND p.until > now()
      WHERE w.name = $1`,
    [name],
  );
  if (!row) return null;
  const cpuMs: Record<string, number> = {};
  if (row.cpu_ms !== null) cpuMs[row.version_id] = row.cpu_ms;
  if (row.rollout_cpu_ms !== null) cpuMs[row.rollout_version_id] = row.rollout_cpu_ms;
  const sampling = { [row.version_id]: row.sampling, ...(row.rollout_version_id === null ? {} : { [row.rollout_version_id]: row.rollout_sampling }) };
  return {
    worker: name,
    tenant: row.tenant,
    versionId: row.version_id,
    rollout: row.rollout_version_id ? { versionId: row.rollout_version_id, percent: row.rollout_percent } : null,
    secretsRevision: row.secrets_revision,
    cpuMs,
    sampling,
    suspended: row.suspended_reason === null ? null : { reason: row.suspended_reason, at: new Date(row.suspended_ms).toISOString() },
    probation: row.probation === true,
  };
}

async function loadRouting(env: Env): Promise<RoutingTable> {
  const db = database(env);
  const [names, rows, domains] = await Promise.all([
    db.query<{ name: string }>("SELECT name FROM workers"),
    db.query<{ pattern: string; worker: string; tenant: string }>("SELECT r.pattern, r.worker, w.tenant FROM routes r JOIN workers w ON w.name = r.worker"),
    db.query<{ domain: string; tenant: string }>("SELECT domain, tenant FROM domains"),
  ]);
  const routes = rows.flatMap((row) => {
    const route = parsePattern(row.pattern);
    return typeof route === "string" ? [] : [{ route, worker: row.worker, tenant: row.tenant }];
  });
  routes.sort((a, b) => bySpecificity(a.route, b.route));
  return { workers: new Set(names.map((row) => row.name)), routes, owners: new Map(domains.map((row) => [row.domain, row.tenant])) };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
