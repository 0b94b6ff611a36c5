/** workerd turns JS RPC on by default from this date (its `rpc` compatibility flag). */
const RPC_DEFAULT_DATE = "2024-04-03";

/**
 * The compatibility flags a tenant isolate is loaded with: the version's, plus `rpc` for an older
 * date. Every binding object the shims build calls the platform over JS RPC, so a worker written
 * for an earlier date (Cloudflare accepts any) gets RPC switched on rather than its date refused.
 */
export function isolateCompatibilityFlags(compatibilityDate: string, flags: string[]): string[] {
  return compatibilityDate < RPC_DEFAULT_DATE && !flags.includes("rpc") ? [...flags, "rpc"] : flags;
}
