// What a deploy's routes must satisfy: valid patterns, nothing under the base domain (those hosts
// are NAME.<base domain> only), every host owned by the deploying tenant, and no pattern of
// another of its workers. Refusals never name another tenant or its workers.
import { database } from "../db/client.ts";
import type { Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { coveringDomains, routeNeeds, touchesBaseDomain, unownedNeed } from "../dispatch/hosts.ts";
import { parsePattern, type RoutePattern } from "../dispatch/patterns.ts";
import { ownedDomains } from "./domains.ts";

export const ROUTE_UNOWNED = "ERR_CONFLICT: route host no longer owned";

/** The routes parsed and normalised, without duplicates, ordered by pattern. */
export function checkedRoutes(env: Env, patterns: string[]): RoutePattern[] {
  const base = env.CONFIG.baseDomain.toLowerCase();
  const routes = new Map<string, RoutePattern>();
  for (const pattern of patterns) {
    const route = parsePattern(pattern);
    if (typeof route === "string") throw new PlatformError("ERR_BAD_REQUEST", 400, `Route ${pattern}: ${route}`);
    if (routeNeeds(route).some((need) => touchesBaseDomain(need, base))) {
      throw new PlatformError(
        "ERR_BAD_REQUEST",
        400,
        `Route ${pattern}: hosts under the base domain ${base} are reached only as NAME.${base}, by worker NAME; no route may name or match them.`,
      );
    }
    routes.set(route.pattern, route);
  }
  return [...routes.values()].sort((a, b) => (a.pattern < b.pattern ? -1 : 1));
}

export async function refuseUnownedRoutes(env: Env, tenant: string, routes: RoutePattern[]): Promise<void> {
  if (routes.length === 0) return;
  const owned = await ownedDomains(env, tenant);
  for (const route of routes) {
    const need = unownedNeed(route, owned);
    if (need === null) continue;
    const how =
      env.CONFIG.domainClaims === "open" ? `register it with \`outpost domains add ${need}\`` : "an operator assigns domains with `outpost domains add`";
    throw new PlatformError("ERR_FORBIDDEN", 403, `Route ${route.pattern}: your tenant does not own ${need.startsWith("*.") ? "" : "host "}${need}; ${how}.`);
  }
}

/** Another worker of the same tenant with the pattern (another tenant's would be on a host it does not own: stale, and replaced). */
export async function refuseTakenRoutes(env: Env, tenant: string, worker: string, patterns: string[]): Promise<void> {
  if (patterns.length === 0) return;
  const [taken] = await database(env).query<{ pattern: string; worker: string }>(
    `SELECT r.pattern, r.worker FROM routes r JOIN workers w ON w.name = r.worker
      WHERE r.pattern = ANY($1::text[]) AND r.worker <> $2 AND w.tenant = $3 ORDER BY r.pattern LIMIT 1`,
    [patterns, worker, tenant],
  );
  if (taken) throw new PlatformError("ERR_CONFLICT", 409, `Route ${taken.pattern} is already used by worker ${taken.worker}.`);
}

/** In the deploy transaction (under the shared domains lock): the tenant still owns every host. */
export function routeOwnershipCheck(tenant: string, routes: RoutePattern[]): Statement {
  const needs = routes.flatMap((route) => routeNeeds(route).map((need) => coveringDomains(need).join(" ")));
  return {
    text: `SELECT 1 AS owned WHERE NOT EXISTS (
             SELECT 1 FROM unnest($2::text[]) AS need (domains)
              WHERE NOT EXISTS (SELECT 1 FROM domains d WHERE d.tenant = $1 AND d.domain = ANY(string_to_array(need.domains, ' '))))`,
    params: [tenant, needs],
    requireRow: ROUTE_UNOWNED,
  };
}
