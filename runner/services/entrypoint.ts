import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { loadVersion } from "../dispatch/loader.ts";
import { type Route, chooseVersion, invocationOf, resolveWorker } from "../dispatch/routes.ts";
import { suspendedMessage } from "../dispatch/suspended.ts";
import { journaled } from "../logs/journal.ts";
import type { InvocationProps } from "../logs/open.ts";
import { loggedFetch } from "../logs/sink.ts";
import { invocationOf as callerInvocation, invoke, subrequest } from "../limits/invocations.ts";
import type { WithInvocation } from "../limits/guard.ts";
import { flushHits } from "../limits/hits.ts";
import type { ServiceProps, ServiceRunner } from "./contract.ts";
import { countCalls } from "../metrics/registry.ts";

/**
 * A service binding's server side: each call resolves the target through its route (so the
 * target's deploys, rollbacks and rollouts apply) and only within the caller's tenant. The call is
 * one subrequest of the caller's invocation and begins the target's, one level deeper
 * (limits/invocations.ts).
 */
export class Service extends WorkerEntrypoint<Env, ServiceProps> implements WithInvocation<ServiceRunner> {
  async forward(token: string, request: Request): Promise<Response> {
    return this.#call(token, request, (entrypoint, route, version, invocation) => {
      const who = { tenant: route.tenant, worker: route.worker, version };
      return loggedFetch(this.env, this.ctx, route.sampling[version] ?? 0, invocation, who, request, (props) => entrypoint(props).fetch(request));
    });
  }

  /** JS RPC: calls `method` on the target entrypoint (the shim turns `env.X.method(…)` into this). */
  async call(token: string, method: string, args: unknown[]): Promise<unknown> {
    if (typeof method !== "string" || !Array.isArray(args)) throw new TypeError("Invalid service binding call.");
    // The method is named at run time; the stub's type knows only fetch() and connect().
    // A method call on the stub itself: taking the method off the stub first would try to
    // transfer the dynamic worker's entrypoint, which workerd refuses.
    return this.#call(token, null, (entrypoint, _route, _version, invocation) => {
      const target = entrypoint({ invocation }) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return target[method]!(...args);
    });
  }

  /** `run` gets the target's entrypoint for the props it is called with (an invocation's token, and whether it is logged). */
  async #call<T>(
    token: string,
    request: Request | null,
    run: (entrypoint: (props: InvocationProps) => Fetcher, route: Route, version: string, invocation: string) => Promise<T>,
  ): Promise<T> {
    const limits = this.env.CONFIG;
    try {
      const caller = callerInvocation(limits, token, this.ctx.props);
      return await subrequest(limits, caller, async () => {
        const { route, version } = await this.#target(request);
        return journaled(invocationOf(route, version), () =>
          invoke(
            limits,
            route.tenant,
            route.worker,
            (invocation) => run((props) => this.#entrypoint(route, version, props), route, version, invocation),
            caller,
          ),
        );
      });
    } catch (error) {
      this.ctx.waitUntil(flushHits(this.env));
      throw error;
    }
  }

  async #target(request: Request | null): Promise<{ route: Route; version: string }> {
    const { tenant, binding, target } = this.ctx.props;
    const route = await resolveWorker(this.env, this.ctx, target);
    // Another tenant's worker is reported exactly like a missing one.
    if (!route || route.tenant !== tenant) throw new Error(`Service binding ${binding}: there is no worker named ${target}.`);
    if (route.suspended) throw new Error(`Service binding ${binding}: ${suspendedMessage(target, route.suspended)}`);
    const version = request ? chooseVersion(route, request) : chooseVersion(route, new Request("http://rpc/"));
    return { route, version };
  }

  #entrypoint(route: Route, version: string, props: InvocationProps): Fetcher {
    return loadVersion(this.env, this.ctx, route, version).getEntrypoint(this.ctx.props.entrypoint, { props });
  }
}

// A service call stores nothing: what it throws is the target's or the caller's.
countCalls(Service, "service", () => false);
