// Cloudflare route patterns: https://developers.cloudflare.com/workers/configuration/routing/routes/
// `[*]host[/path[*]]` — a `*` may only open the host or close the path; the query is ignored.
import { DNS_LABEL } from "./hosts.ts";

export interface RoutePattern {
  /** The normalised text: what is stored, compared and listed. */
  pattern: string;
  /** `*example.com` matches example.com and every subdomain; `*.example.com` only subdomains. */
  hostWildcard: boolean;
  host: string;
  path: string;
  pathWildcard: boolean;
}

/**
 * Parses a pattern, or returns why it is not one. Hosts are compared as DNS compares them, so the
 * host is normalised (lower case; scheme, port and trailing dot dropped; no path means `/`) and
 * `HTTP://Shop.Example.com.:8080/*` is the same pattern as `shop.example.com/*`. The path is kept
 * as written: paths are case-sensitive.
 */
export function parsePattern(pattern: string): RoutePattern | string {
  const text = pattern.replace(/^https?:\/\//i, "");
  const slash = text.indexOf("/");
  const hostPart = slash === -1 ? text : text.slice(0, slash);
  const pathPart = slash === -1 ? "/" : text.slice(slash);
  const hostText = hostPart.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const hostWildcard = hostText.startsWith("*");
  const host = hostWildcard ? hostText.slice(1) : hostText;
  const pathWildcard = pathPart.endsWith("*");
  const path = pathWildcard ? pathPart.slice(0, -1) : pathPart;
  if (pattern.length > 255) return "Route patterns are at most 255 characters.";
  if (!hostWildcard && host.startsWith(".")) return `"${hostPart}" is not a valid route host.`;
  if (
    !host
      .replace(/^\./, "")
      .split(".")
      .every((label) => DNS_LABEL.test(label))
  ) {
    return `"${hostPart}" is not a valid route host; a "*" may only open it.`;
  }
  if (path.includes("*")) return `"${pathPart}": a "*" may only end the path.`;
  if (/[?#\s]/.test(path)) return `"${pathPart}": route paths cannot contain a query, a fragment or spaces.`;
  return { pattern: `${hostText}${pathPart}`, hostWildcard, host, path, pathWildcard };
}

/** A request's `Host` header as patterns and registered domains spell hosts. */
export function requestHostname(host: string): string {
  return host.replace(/:\d+$/, "").toLowerCase().replace(/\.$/, "");
}

/** `hostname` as `requestHostname` returns it. */
export function matchesRoute(route: RoutePattern, hostname: string, path: string): boolean {
  if (!hostMatches(route, hostname)) return false;
  return route.pathWildcard ? path.startsWith(route.path) : path === route.path;
}

function hostMatches(route: RoutePattern, hostname: string): boolean {
  if (!route.hostWildcard) return hostname === route.host;
  if (route.host.startsWith(".")) return hostname.endsWith(route.host);
  return hostname === route.host || hostname.endsWith(`.${route.host}`);
}

/** Most specific first: exact host, longer host, exact path, longer path (then the text, to be total). */
export function bySpecificity(a: RoutePattern, b: RoutePattern): number {
  return (
    Number(a.hostWildcard) - Number(b.hostWildcard) ||
    b.host.length - a.host.length ||
    Number(a.pathWildcard) - Number(b.pathWildcard) ||
    b.path.length - a.path.length ||
    (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0)
  );
}
