// The workers of the containment scenario, shared by its test (test/hostile/containment.test.js)
// and its benchmark (bench/containment.js) so that both measure the same attack.

/** GET /spin loops forever, GET /bomb allocates without bound, anything else answers at once. */
export const ATTACKER = `export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  if (path === "/spin") for (;;) {}
  if (path === "/bomb") { const hoard = []; for (;;) hoard.push(new Array(1e5).fill(Math.random())); }
  return new Response("attacker idle");
} };`;

/** Counts its requests in KV (binding KV): a get and a put per request, the count answered. */
export const NEIGHBOUR = `export default { async fetch(request, env) {
  const n = Number((await env.KV.get("count")) ?? 0) + 1;
  await env.KV.put("count", String(n));
  return new Response(String(n));
} };`;

/**
 * Whether a platform log event is the supervisor's line for a workerd process that ended.
 * @param {Record<string, unknown>} event
 */
export const isProcessExit = (event) => event.src === "outpost" && /^workerd process \d+ exited/.test(String(event.msg));
