// The OpenTelemetry collector stored invocations are exported to (docs/operations.md, "Logs"), read from the environment at start.

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ otlpLogsUrl: string | null }}
 */
export function otlpConfig(env) {
  const value = env.OUTPOST_OTLP_LOGS_URL;
  if (value === undefined || value === "") return { otlpLogsUrl: null };
  let url;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null || !["http:", "https:"].includes(url.protocol) || url.username !== "" || url.password !== "") {
    throw new Error(
      `OUTPOST_OTLP_LOGS_URL must be an http:// or https:// URL without credentials (a collector's logs endpoint, e.g. http://127.0.0.1:4318/v1/logs), got ${value}`,
    );
  }
  return { otlpLogsUrl: url.href };
}
