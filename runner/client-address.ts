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
