import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { type TailProps, tenantEntries } from "./events.ts";
import { emit } from "./log.ts";

/**
 * The tail worker (Worker Loader `tails`) of the deploy's load check (dispatch/load-check.ts):
 * the output of a worker's top level, printed as platform log entries attributed to the tenant,
 * worker and version in its props. Invocations are captured without a tail (logs/sink.ts).
 */
export class Tail extends WorkerEntrypoint<Env, TailProps> {
  override tail(items: TraceItem[]): void {
    for (const item of items) for (const entry of tenantEntries(item, this.ctx.props)) emit(entry);
  }
}
