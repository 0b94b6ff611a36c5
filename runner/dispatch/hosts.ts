// Who may answer at a host. `NAME.<base domain>` belongs to worker NAME and is never routed; any
// other host belongs to the tenant that registered it: exactly (`shop.example.com`) or under a
// wildcard (`*.example.com` owns every subdomain of example.com, at any depth, not the apex).
// Registrations never overlap between tenants, so a host has at most one owner.
import type { RoutePattern } from "./patterns.ts";

/** One DNS label: what worker names, tenant ids and each part of a domain are made of. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A domain to register, normalised (lower case, no trailing dot), or why it is not one. */
export function parseDomain(text: string): string | { error: string } {
  const domain = text.toLowerCase().replace(/\.$/, "");
  const name = domain.startsWith("*.") ? domain.slice(2) : domain;
  if (name.length > 253 || !name.split(".").every((label) => DNS_LABEL.test(label))) {
    return { error: `${text} is not a domain: use a host name such as shop.example.com, or *.example.com for all its subdomains.` };
  }
  return domain;
}

export function isWildcard(domain: string): boolean {
  return domain.startsWith("*.");
}

/** `hostname` is the base domain or a host under it. */
export function isUnderBaseDomain(hostname: string, baseDomain: string): boolean {
  return hostname === baseDomain || hostname.endsWith(`.${baseDomain}`);
}

/** A domain (exact or wildcard) that would own the base domain or any host under it. */
export function touchesBaseDomain(domain: string, baseDomain: string): boolean {
  if (!isWildcard(domain)) return isUnderBaseDomain(domain, baseDomain);
  const parent = domain.slice(2);
  return isUnderBaseDomain(parent, baseDomain) || baseDomain.endsWith(`.${parent}`);
}

/**
 * The registrations that own `domain` (a host, or `*.d` meaning all of d's subdomains): itself
 * and the wildcards over its parents, most specific first. `a.b.c` → a.b.c, *.b.c, *.c.
 */
export function coveringDomains(domain: string): string[] {
  const labels = domain.split(".");
  const wildcards = labels.slice(1).map((_, i) => `*.${labels.slice(i + 1).join(".")}`);
  return [...new Set([domain, ...wildcards])];
}

/** What a tenant must own for a route: `x` needs x, `*.d` needs *.d, `*d` needs d and *.d. */
export function routeNeeds(route: RoutePattern): string[] {
  if (!route.hostWildcard) return [route.host];
  if (route.host.startsWith(".")) return [`*${route.host}`];
  return [route.host, `*.${route.host}`];
}

/** The first of the route's needs that none of `owned` covers, or null when the tenant may use it. */
export function unownedNeed(route: RoutePattern, owned: ReadonlySet<string>): string | null {
  return routeNeeds(route).find((need) => !coveringDomains(need).some((domain) => owned.has(domain))) ?? null;
}

/** The tenant owning `hostname` (normalised) in a domain → tenant map, or null. */
export function ownerOf(hostname: string, owners: ReadonlyMap<string, string>): string | null {
  for (const domain of coveringDomains(hostname)) {
    const tenant = owners.get(domain);
    if (tenant !== undefined) return tenant;
  }
  return null;
}

/** Wildcards a tenant may not claim for itself: `*.com` would take every .com host nobody registered yet. */
export function tooBroadForTenants(domain: string): boolean {
  return isWildcard(domain) && domain.split(".").length < 3;
}
