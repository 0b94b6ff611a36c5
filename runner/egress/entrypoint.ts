import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { egressDecision } from "./policy.ts";
import type { EgressProps } from "./contract.ts";

/** Every tenant isolate's `globalOutbound`: all of its `fetch()` calls arrive here. */
export class Egress extends WorkerEntrypoint<Env, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const decision = egressDecision(url, this.env.CONFIG.egressAllow, this.env.CONFIG.ownPorts);
    if (!decision.allowed) {
      throw new TypeError(`Outpost egress policy refused fetch to ${url.origin}: ${decision.reason}.`);
    }
    return (decision.network === "any" ? this.env.ANY_NETWORK : this.env.INTERNET).fetch(request);
  }
}
