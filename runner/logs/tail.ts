import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { logLimit } from "../quota/log-limit.ts";
import { LogBudget } from "./budget.ts";
import { type TailProps, tenantEntries } from "./events.ts";
import { loggedBytes, storedInvocation, withoutLines } from "./invocation.ts";
import { emit } from "./log.ts";
import { exportLater, exportPending } from "./otlp.ts";
import { enqueue, flush } from "./store.ts";

const printBudget = new LogBudget();
const storeBudget = new LogBudget();

/**
 * The tail worker (Worker Loader `tails`) of the isolates that run sampled invocations
 * (dispatch/loader.ts decides): after each invocation workerd hands it the invocation's console
 * calls and uncaught exceptions. Each invocation is printed as platform log entries attributed to the tenant, worker and
 * version in its props, and stored (logs/store.ts; also exported, logs/otlp.ts, when a collector is
 * configured), each up to the tenant's log quota per minute in this process (logs/budget.ts): past
 * it, lines are dropped and the outcome is still stored.
 */
export class Tail extends WorkerEntrypoint<Env, TailProps> {
  override async tail(items: TraceItem[]): Promise<void> {
    const { tenant, worker, stored } = this.ctx.props;
    const { otlpLogsUrl } = this.env.CONFIG;
    const limit = await logLimit(this.env, tenant);
    const now = Date.now();
    for (const item of items) {
      for (const entry of tenantEntries(item, this.ctx.props)) {
        const line = JSON.stringify(entry);
        const verdict = printBudget.take(tenant, line.length, limit, now);
        if (verdict === "print") emit(entry);
        else if (verdict === "first drop") {
          const msg = `tenant ${tenant} is over its log_bytes_per_minute quota (${limit} bytes); its log entries are dropped until the minute ends`;
          emit({ level: "warn", src: "runner", msg, tenant, worker });
        }
      }
      const invocation = stored ? storedInvocation(item, this.ctx.props, now) : null;
      if (invocation === null) continue;
      const fits = storeBudget.take(tenant, loggedBytes(invocation), limit, now) === "print";
      const kept = fits ? invocation : withoutLines(invocation);
      enqueue(kept);
      if (otlpLogsUrl !== null) exportLater(kept);
    }
    // Off the request's path: workerd runs the tail once the invocation has answered.
    if (stored) await Promise.all([flush(this.env), otlpLogsUrl === null ? null : exportPending(otlpLogsUrl)]);
  }
}
