// Where the supervisor answers GET /metrics: always on a loopback port of its own, which a runner
// asks for an operator's request on the admin socket (runner/metrics/admin.ts) with the per-start
// forward secret as its bearer token, so that no other local user reads it; and, when the operator
// sets OUTPOST_METRICS_ADDRESS, on that address without a token, for a Prometheus that has none.
import { timingSafeEqual, createHash } from "node:crypto";
import { createServer } from "node:http";
import { isIP } from "node:net";
import { CONTENT_TYPE, formatMetrics } from "./metrics-text.js";

/**
 * OUTPOST_METRICS_ADDRESS as a host and port, or null when unset.
 * @param {string | undefined} text
 * @param {number[]} taken  the platform's own ports, which it may not reuse
 * @returns {{ host: string, port: number } | null}
 */
export function metricsAddress(text, taken) {
  if (text === undefined || text === "") return null;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2] ?? "";
  const port = Number(match?.[3]);
  const hostValid = match?.[1] !== undefined ? isIP(host) === 6 : isIP(host) === 4 || host === "localhost";
  if (!match || !hostValid || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`OUTPOST_METRICS_ADDRESS must be IP:PORT, [IPv6]:PORT or localhost:PORT (e.g. 127.0.0.1:9464), got ${JSON.stringify(text)}`);
  }
  if (taken.includes(port)) throw new Error(`OUTPOST_METRICS_ADDRESS: port ${port} is one of the platform's own (public or admin)`);
  return { host, port };
}

/**
 * Serves `gather()` at GET /metrics on `address`: in the text format, or as JSON (`{"families": […]}`,
 * the shape of GET /v1/maintenance/metrics) for a client that accepts application/json and not
 * text/plain. `token`, when given, must be presented as a bearer token.
 * @param {{ host: string, port: number }} address
 * @param {() => Promise<import("./metrics-text.js").MetricFamily[]>} gather
 * @param {string | null} token
 * @returns {Promise<import("node:http").Server>}  once listening; rejected when the address cannot be had
 */
export function serveMetrics(address, gather, token) {
  const expected = token === null ? null : digest(token);
  const server = createServer((req, res) => {
    const answer = (/** @type {number} */ status, /** @type {string} */ code, /** @type {string} */ message) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { code, message } }));
    if (new URL(req.url ?? "/", "http://metrics").pathname !== "/metrics") return answer(404, "ERR_NOT_FOUND", "Only GET /metrics is served here.");
    if (req.method !== "GET") return answer(405, "ERR_METHOD_NOT_ALLOWED", "Only GET /metrics is served here.");
    const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (expected && !(presented && timingSafeEqual(digest(presented), expected))) return answer(401, "ERR_UNAUTHORIZED", "Invalid token.");
    const accept = req.headers.accept ?? "";
    const json = accept.includes("application/json") && !accept.includes("text/plain");
    gather().then(
      (families) =>
        json
          ? res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ families }))
          : res.writeHead(200, { "content-type": CONTENT_TYPE }).end(formatMetrics(families)),
      () => answer(500, "ERR_INTERNAL", "The metrics could not be gathered; see the platform log."),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve(server));
  });
}

/** Equal lengths for timingSafeEqual, whatever was presented. @param {string} token */
function digest(token) {
  return createHash("sha256").update(token).digest();
}
