// The admin API's data routes (kv/admin.ts, r2/admin.ts) call the same guarded binding
// entrypoints as a worker does, so that one set of checks, limits and messages applies. They are no
// worker's invocation: each of their calls runs as an invocation of its own.
import type { WithInvocation } from "./guard.ts";
import { type InvocationLimits, invoke } from "./invocations.ts";

/** The worker name in the props of a binding stub the admin API mints. */
export const ADMIN_CALLER = "(admin API)";

/** `stub` as the admin API calls it: each method without a token, run inside an invocation of `tenant`'s admin caller. */
export function adminCalls<Runner extends object>(limits: InvocationLimits, tenant: string, stub: WithInvocation<Runner>): Runner {
  return new Proxy(stub, {
    get(target, name) {
      // Never thenable: an async function returns this object.
      if (name === "then" || typeof name !== "string") return undefined;
      // Called on the stub itself: a stub's method is a stub too, whose `.call` would be a remote method.
      const stub = target as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return (...args: unknown[]) => invoke(limits, tenant, ADMIN_CALLER, (token) => stub[name]!(token, ...args));
    },
  }) as unknown as Runner;
}
