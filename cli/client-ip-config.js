// The trusted forwarding header (runner/client-address.ts), read from the environment at start.

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ clientIpHeader: string | null }}
 */
export function clientIpConfig(env) {
  const name = env.OUTPOST_CLIENT_IP_HEADER?.trim() ?? "";
  if (name === "") return { clientIpHeader: null };
  if (!HEADER_NAME.test(name)) throw new Error(`OUTPOST_CLIENT_IP_HEADER must be a header name such as x-forwarded-for, got ${name}`);
  return { clientIpHeader: name.toLowerCase() };
}
