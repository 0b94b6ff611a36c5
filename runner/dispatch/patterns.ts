// Cloudflare route patterns: https://developers.cloudflare.com/workers/configuration/routing/routes/
// `[*]host[/path[*]]` — a `*` may only open the host or close the path; the query is ignored.

export interface RoutePattern {
  pattern: string;
  /** `*example.com` matches example.com and every subdomain; `*.example.com` only subdomains. */
  hostWildcard: boolean;
  host: string;
  path: string;
  pathWildcard: boolean;
}

/** Parses a pattern, or returns why it is not one. */
export function parsePattern(pattern: string): RoutePattern | string {
  const text = pattern.replace(/^https?:\/\//i, "");
  const slash = text.indexOf("/");
  const hostPart = (slash === -1 ? text : text.slice(0, slash)).toLowerCase();
  const pathPart = slash === -1 ? "/" : text.slice(slash);
  const hostWildcard = hostPart.startsWith("*");
  const host = hostWildcard ? hostPart.slice(1) : hostPart;
  const pathWildcard = pathPart.endsWith("*");
  const path = pathWildcard ? pathPart.slice(0, -1) : pathPart;
  if (pattern.length > 255) return "Route patterns are at most 255 characters.";
  if (host.includes(":")) return "Route patterns cannot contain a port.";
  if (!hostWildcard && host.startsWith(".")) return `"${hostPart}" is not a valid route host.`;
  if (!/^\.?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(host)) {
    return `"${hostPart}" is not a valid route host; a "*" may only open it.`;
  }
  if (path.includes("*")) return `"${pathPart}": a "*" may only end the path.`;
  if (/[?#\s]/.test(path)) return `"${pathPart}": route paths cannot contain a query, a fragment or spaces.`;
  return { pattern, hostWildcard, host, path, pathWildcard };
}

export function matchesRoute(route: RoutePattern, host: string, path: string): boolean {
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
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
