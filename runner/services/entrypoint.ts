import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { loadVersion } from "../dispatch/loader.ts";
import { chooseVersion, resolveWorker } from "../dispatch/routes.ts";

/** Minted by the dispatcher for one service binding of one version. */
export interface ServiceProps {
  tenant: string;
  worker: string;
  binding: string;
  target: string;
  entrypoint?: string | undefined;
}

/**
 * A service binding's server side: each call resolves the target through its route (so the
 * target's deploys, rollbacks and rollouts apply) and only within the caller's tenant.
 */
export class Service extends WorkerEntrypoint<Env, ServiceProps> {
  override async fetch(request: Request): Promise<Response> {
    return (await this.#target(request)).fetch(request);
  }

  /** JS RPC: calls `method` on the target entrypoint (the shim turns `env.X.method(…)` into this). */
  async call(method: string, args: unknown[]): Promise<unknown> {
    if (typeof method !== "string" || !Array.isArray(args)) throw new TypeError("Invalid service binding call.");
    const target = (await this.#target(null)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    // A method call on the stub itself: taking the method off the stub first would try to
    // transfer the dynamic worker's entrypoint, which workerd refuses.
    return target[method]!(...args);
  }

  async #target(request: Request | null): Promise<Fetcher> {
    const { tenant, binding, target, entrypoint } = this.ctx.props;
    const route = await resolveWorker(this.env, this.ctx, target);
    // Another tenant's worker is reported exactly like a missing one.
    if (!route || route.tenant !== tenant) throw new Error(`Service binding ${binding}: there is no worker named ${target}.`);
    const version = request ? chooseVersion(route, request) : chooseVersion(route, new Request("http://rpc/"));
    return loadVersion(this.env, this.ctx, route, version).getEntrypoint(entrypoint);
  }
}
