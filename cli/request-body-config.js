// The public request body limit (runner/dispatch/body-limit.ts), read from the environment at start.

/** Cloudflare's limit on the Free and Pro plans: https://developers.cloudflare.com/workers/platform/limits/#request-limits */
const DEFAULT_MB = 100;

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ maxRequestBodyBytes: number }}
 */
export function requestBodyConfig(env) {
  const mb = Number(env.OUTPOST_MAX_REQUEST_BODY_MB ?? DEFAULT_MB);
  if (!Number.isInteger(mb) || mb < 1)
    throw new Error(`OUTPOST_MAX_REQUEST_BODY_MB must be a whole number of megabytes, at least 1, got ${env.OUTPOST_MAX_REQUEST_BODY_MB}`);
  // Megabytes as Cloudflare counts them for this limit, 1 MB = 1,000,000 bytes.
  return { maxRequestBodyBytes: mb * 1_000_000 };
}
