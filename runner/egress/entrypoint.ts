import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { egressDecision } from "./policy.ts";
import { peerAddresses } from "../owners/peers.ts";
import { type EgressProps, INVOCATION_HEADER } from "./contract.ts";
import { invocationOf, subrequest } from "../limits/invocations.ts";
import { flushHits } from "../limits/hits.ts";

/** Every tenant isolate's `globalOutbound`: all of its `fetch()` calls arrive here, each a subrequest of its invocation. */
export class Egress extends WorkerEntrypoint<Env, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    try {
      return await this.#fetch(request);
    } catch (error) {
      this.ctx.waitUntil(flushHits(this.env));
      throw error;
    }
  }

  async #fetch(request: Request): Promise<Response> {
    const limits = this.env.CONFIG;
    // The shims' fetch() sets the header (shims/invocation.ts); it never leaves the platform.
    const invocation = invocationOf(limits, request.headers.get(INVOCATION_HEADER), this.ctx.props);
    const outbound = new Request(request);
    outbound.headers.delete(INVOCATION_HEADER);
    const url = new URL(outbound.url);
    const peers = await peerAddresses(this.env, this.ctx);
    const decision = egressDecision(url, this.env.CONFIG.egressAllow, this.env.CONFIG.ownPorts, peers);
    if (!decision.allowed) {
      throw new TypeError(`Outpost egress policy refused fetch to ${url.origin}: ${decision.reason}.`);
    }
    return subrequest(limits, invocation, () => (decision.network === "any" ? this.env.ANY_NETWORK : this.env.INTERNET).fetch(outbound));
  }
}
