// Types for the two untyped packages the benchmark imports (only what it uses).
// `workerd` is also imported by cli/start.js, which this covers too (same tsconfig).

declare module "workerd" {
  const workerd: {
    /** Path of the workerd binary. */
    default: string;
    /** Newest compatibility date this workerd supports. */
    compatibilityDate: string;
    version: string;
  };
  export default workerd;
}

declare module "autocannon" {
  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
  }
  interface Result {
    /** Seconds actually run. */
    duration: number;
    requests: { total: number; average: number };
    /** Milliseconds (whole numbers). */
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
