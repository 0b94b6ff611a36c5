// Workers' public origin (runner/control/deploy.ts names a deployed worker's URL with it), read at start.

/**
 * `OUTPOST_PUBLIC_URL` when Outpost sits behind a proxy, else the base domain and public port.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} baseDomain
 * @param {number} port
 * @returns {{ publicUrl: string }}
 */
export function publicUrlConfig(env, baseDomain, port) {
  const value = env.OUTPOST_PUBLIC_URL;
  if (value === undefined) return { publicUrl: `http://${baseDomain}:${port}` };
  let url;
  try {
    url = new URL(value);
  } catch {}
  if (!url || !["http:", "https:"].includes(url.protocol) || url.origin !== value.replace(/\/$/, "")) {
    throw new Error(`OUTPOST_PUBLIC_URL must be an http(s) origin without a path, such as https://example.com, got ${value}`);
  }
  return { publicUrl: url.origin };
}
