// Which destinations tenant `fetch()` may reach. workerd's "internet" network service already
// refuses non-public addresses after DNS resolution; this check runs first so literal
// addresses and the platform's own sockets get a clear error, and so operators can allow
// specific internal host:port pairs.

export type EgressDecision = { allowed: true; network: "public" | "any" } | { allowed: false; reason: string };

export function egressDecision(url: URL, allow: readonly string[], ownPorts: readonly number[]): EgressDecision {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { allowed: false, reason: `only http and https are allowed, not ${url.protocol}` };
  }
  // A trailing dot names the same host ("localhost." is localhost).
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (allow.includes(`${host}:${port}`)) return { allowed: true, network: "any" };
  if (isLocalName(host) || isNonPublicAddress(host)) {
    const own = ownPorts.includes(Number(port)) ? " (a platform socket)" : "";
    return { allowed: false, reason: `${host}:${port}${own} is a loopback, private or link-local address` };
  }
  return { allowed: true, network: "public" };
}

function isLocalName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || (!host.includes(".") && !host.includes(":"));
}

function isNonPublicAddress(host: string): boolean {
  const v4 = parseIPv4(host);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return (
      a === 0 || a === 10 || a === 127 ||
      (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224 // multicast and reserved
    );
  }
  if (!host.includes(":")) return false;
  const mapped = host.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped?.[1]) return isNonPublicAddress(mapped[1]);
  return host === "::" || host === "::1" || /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(host) || host.startsWith("::ffff:");
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const bytes = parts.map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : null;
}
