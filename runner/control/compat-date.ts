/**
 * Cloudflare takes any compatibility date up to today (create-cloudflare writes a recent one),
 * but the bundled workerd knows dates only up to its release. Like `wrangler dev`, a newer date
 * runs as the newest workerd knows, with a warning. What Cloudflare turns on by date after that,
 * and a worker of the requested date relies on, is turned on by flag instead.
 */
export interface Compatibility {
  date: string;
  flags: string[];
  warnings: string[];
}

/** From this date Cloudflare gives every worker `nodejs_compat` (create-cloudflare drops the flag). */
export const NODEJS_COMPAT_DEFAULT_DATE = "2026-08-04";

export function runnableCompatibility(requestedDate: string, requestedFlags: readonly string[], newestDate: string): Compatibility {
  const flags = [...new Set(requestedFlags)].sort();
  if (requestedDate <= newestDate) return { date: requestedDate, flags, warnings: [] };
  const warnings = [`compatibility date ${requestedDate} is newer than this platform's workerd supports; the worker runs with ${newestDate}.`];
  const nodeByDate = requestedDate >= NODEJS_COMPAT_DEFAULT_DATE && newestDate < NODEJS_COMPAT_DEFAULT_DATE;
  if (nodeByDate && !flags.includes("nodejs_compat") && !flags.includes("no_nodejs_compat")) {
    warnings.push(`nodejs_compat is on, as Cloudflare turns it on from ${NODEJS_COMPAT_DEFAULT_DATE}.`);
    return { date: newestDate, flags: [...flags, "nodejs_compat"].sort(), warnings };
  }
  return { date: newestDate, flags, warnings };
}
