// The binding entrypoints' side of the invocation token (invocations.ts): every RPC method of a
// guarded entrypoint takes the token first, and runs as one subrequest of that invocation.
import { wrapMethods } from "../entrypoint-methods.ts";
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { type Caller, invocationOf, subrequest } from "./invocations.ts";
import { flushHits } from "./hits.ts";

/** A runner contract as the wire carries it: each method with the invocation token first (the shims add it). */
export type WithInvocation<Runner> = {
  [M in keyof Runner]: Runner[M] extends (...args: infer A) => infer R ? (invocation: string, ...args: A) => R : Runner[M];
};

/** What a method sees of its entrypoint (workers-types keeps `env` and `ctx` protected). */
type GuardedThis = { env: Env; ctx: { props: Caller; waitUntil(promise: Promise<unknown>): void } };

type EntrypointClass = abstract new (ctx: ExecutionContext, env: Env) => WorkerEntrypoint<Env, Caller>;

/**
 * `Base` with each of its RPC methods taking the invocation token first: the call is refused
 * unless the token belongs to a running invocation of the stub's own tenant and worker, and
 * counts as one of its subrequests.
 */
export function guarded<C extends EntrypointClass>(Base: C): C {
  const Guarded = class extends (Base as unknown as new (ctx: ExecutionContext, env: Env) => WorkerEntrypoint<Env, Caller>) {};
  wrapMethods(
    Base.prototype,
    (method) =>
      async function (this: unknown, token: unknown, ...args: unknown[]) {
        const { env, ctx } = this as GuardedThis;
        try {
          return await subrequest(env.CONFIG, invocationOf(env.CONFIG, token, ctx.props), async () => method.apply(this, args));
        } catch (error) {
          // A limit hit is written now (flushHits does nothing when none is pending or it wrote under a second ago).
          ctx.waitUntil(flushHits(env));
          throw error;
        }
      },
    Guarded.prototype,
  );
  return Guarded as unknown as C;
}
