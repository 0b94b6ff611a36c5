import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { type TailProps, tenantEntries } from "./events.ts";
import { emit } from "./log.ts";

/**
 * Every tenant isolate's tail worker (Worker Loader `tails`): after each invocation workerd hands
 * it the invocation's console calls and uncaught exceptions, which it prints as platform log
 * entries attributed to the tenant, worker and version in its props.
 */
export class Tail extends WorkerEntrypoint<Env, TailProps> {
  override tail(items: TraceItem[]): void {
    for (const item of items) for (const entry of tenantEntries(item, this.ctx.props)) emit(entry);
  }
}
