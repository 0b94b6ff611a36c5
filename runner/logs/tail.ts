import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { logLimit } from "../quota/log-limit.ts";
import { LogBudget } from "./budget.ts";
import { type TailProps, tenantEntries } from "./events.ts";
import { emit } from "./log.ts";

const budget = new LogBudget();

/**
 * Every tenant isolate's tail worker (Worker Loader `tails`): after each invocation workerd hands
 * it the invocation's console calls and uncaught exceptions, which it prints as platform log
 * entries attributed to the tenant, worker and version in its props, up to the tenant's log
 * quota per minute in this process (logs/budget.ts).
 */
export class Tail extends WorkerEntrypoint<Env, TailProps> {
  override async tail(items: TraceItem[]): Promise<void> {
    const { tenant, worker } = this.ctx.props;
    const limit = await logLimit(this.env, tenant);
    for (const item of items) {
      for (const entry of tenantEntries(item, this.ctx.props)) {
        const line = JSON.stringify(entry);
        const verdict = budget.take(tenant, line.length, limit, Date.now());
        if (verdict === "print") emit(entry);
        else if (verdict === "first drop") {
          const msg = `tenant ${tenant} is over its log_bytes_per_minute quota (${limit} bytes); its log entries are dropped until the minute ends`;
          emit({ level: "warn", src: "runner", msg, tenant, worker });
        }
      }
    }
  }
}
