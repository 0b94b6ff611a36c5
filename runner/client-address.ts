/**
 * The client's address from workerd's `request.cf.clientIp`, which is "address:port"
 * ("127.0.0.1:58768", "[::1]:58768"): the port is dropped, and an IPv4 address in IPv6 form
 * ("::ffff:127.0.0.1") counts as the IPv4 address. Clients cannot set it (no cfBlobHeader).
 */
export function clientAddress(clientIp: unknown): string {
  if (typeof clientIp !== "string" || clientIp === "") return "unknown";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(clientIp);
  const address = bracketed ? bracketed[1]! : clientIp.split(":").length === 2 ? clientIp.slice(0, clientIp.lastIndexOf(":")) : clientIp;
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}

/** IPv4 (with a port or not), [IPv6] (with a port or not) or IPv6: what clientAddress takes apart. Nothing else is believed. */
const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-f:.]{2,45}\](:\d{1,5})?|[0-9a-f.]*:[0-9a-f:.]{1,44})$/i;

/**
 * The client's address of a public request: with a trusted forwarding header configured
 * (OUTPOST_CLIENT_IP_HEADER, e.g. x-forwarded-for), its last hop, the one the proxy in front added;
 * otherwise, or when that hop is missing or not an address, the connection's. Without the setting
 * no header a client sends is read.
 */
export function publicClientAddress(request: Request, trustedHeader: string | null): string {
  const forwarded = trustedHeader === null ? null : request.headers.get(trustedHeader);
  const lastHop = forwarded?.split(",").at(-1)?.trim() ?? "";
  return IP_ADDRESS.test(lastHop) ? clientAddress(lastHop) : clientAddress(request.cf?.clientIp);
}
