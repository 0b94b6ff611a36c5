// Which destinations tenant `fetch()` may reach. workerd's "internet" network service already
// refuses non-public addresses after DNS resolution; this check runs first so literal
// addresses and the platform's own sockets get a clear error, and so operators can allow
// specific internal host:port pairs.

export type EgressDecision = { allowed: true; network: "public" | "any" } | { allowed: false; reason: string };

/**
 * `peers` are the private sockets of the platform's processes on other hosts (`host:port`, from
 * runner/owners/peers.ts): like this host's own sockets, refused even when allow-listed.
 */
export function egressDecision(url: URL, allow: readonly string[], ownPorts: readonly number[], peers: ReadonlySet<string> = new Set()): EgressDecision {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { allowed: false, reason: `only http and https are allowed, not ${url.protocol}` };
  }
  // A trailing dot names the same host ("localhost." is localhost).
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const shownHost = host.includes(":") ? `[${host}]` : host;
  // The platform's own sockets stay refused when an operator's allow-list names them.
  const peer = peers.has(`${shownHost}:${port}`);
  const ownSocket = (isLocalName(host) || parseIPv4(host)?.[0] === 127 || host === "::1") && ownPorts.includes(Number(port));
  if (allow.includes(`${host}:${port}`) && !peer && !ownSocket) return { allowed: true, network: "any" };
  if (peer) return { allowed: false, reason: `${shownHost}:${port} is a platform socket (a process's private socket)` };
  if (isLocalName(host) || isNonPublicAddress(host)) {
    const own = ownPorts.includes(Number(port)) ? " (a platform socket)" : "";
    return { allowed: false, reason: `${shownHost}:${port}${own} is a loopback, private or link-local address` };
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
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) || // benchmarking
      a >= 224 // multicast and reserved
    );
  }
  if (!host.includes(":")) return false;
  // IPv6: only global unicast (2000::/3) is public, minus 6to4 (2002::/16, which embeds IPv4).
  // Everything else (loopback, unspecified, ULA, link-local, multicast, IPv4-mapped/-compatible,
  // NAT64 64:ff9b::/96) may lead inward.
  const first = host.startsWith(":") ? 0 : parseInt(host.split(":")[0] ?? "", 16);
  return !(first >= 0x2000 && first <= 0x3fff && first !== 0x2002);
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const bytes = parts.map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : null;
}
