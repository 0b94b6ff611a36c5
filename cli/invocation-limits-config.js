// Per-invocation limits the operator can change (runner/limits/), read from the environment at start.

/**
 * Cloudflare's defaults on the paid plan: https://developers.cloudflare.com/workers/platform/limits/
 * (10,000 subrequests; `ctx.waitUntil` work may run 30 s after the response).
 * @param {NodeJS.ProcessEnv} env
 * The WebSocket cap is the platform's own (Cloudflare documents none): see runner/dispatch/websockets.ts.
 * @returns {{ maxSubrequests: number, waitUntilSeconds: number, maxWebSocketsPerIsolate: number }}
 */
export function invocationLimitsConfig(env) {
  return {
    maxSubrequests: wholeNumber(env, "OUTPOST_MAX_SUBREQUESTS", 10_000, "subrequests"),
    waitUntilSeconds: wholeNumber(env, "OUTPOST_WAIT_UNTIL_SECONDS", 30, "seconds"),
    maxWebSocketsPerIsolate: wholeNumber(env, "OUTPOST_MAX_WEBSOCKETS", 1_000, "WebSockets"),
  };
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} name
 * @param {number} fallback
 * @param {string} unit
 */
function wholeNumber(env, name, fallback, unit) {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of ${unit}, at least 1, got ${env[name]}`);
  return value;
}
