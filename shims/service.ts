// env.SERVICE in tenant isolates: a Cloudflare service binding (Fetcher with JS RPC) over the
// runner's Service entrypoint, which finds the target worker's current version per call.
import type { ServiceRunner } from "../runner/services/contract.ts";
import { bindToInvocation } from "./invocation.ts";

/**
 * `fetch` goes to the target's fetch handler; any other method name becomes an RPC call on the
 * target entrypoint, as on Cloudflare (`await env.AUTH.verify(token)`).
 */
export function makeServiceBinding(runner: ServiceRunner): Fetcher {
  const target = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => runner.forward(new Request(input, init)),
    connect: () => {
      throw new Error("connect() over service bindings is not supported by Outpost.");
    },
  };
  return new Proxy(target, {
    get(object, property) {
      if (property in object) return object[property as keyof typeof object];
      // Not thenable: `await env.AUTH` must give the binding, not call a method named "then".
      if (typeof property !== "string" || property === "then") return undefined;
      return (...args: unknown[]) => runner.call(property, args.map(bindToInvocation));
    },
  }) as unknown as Fetcher;
}
