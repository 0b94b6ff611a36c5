import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { logLimit } from "../quota/log-limit.ts";
import { LogBudget } from "./budget.ts";
import { type CapturedBatch, type LogSinkRunner, parseCapturedBatch } from "./capture-contract.ts";
import { type Who, tenantEntries } from "./events.ts";
import { emit } from "./log.ts";
import { addCaptured } from "./open.ts";

const printBudget = new LogBudget();

/** The runner line that tells the supervisor how many tenant console lines were captured, not printed raw (cli/workerd-output.js). */
export const UNPRINTED_CONSOLE = "tenant console lines captured";
const REPORT_EVERY_MS = 1000;
const unprinted = { lines: 0, oversized: 0 };
let reportQueued = false;

/**
 * Where a tenant isolate's log capture (shims/log-capture.ts) hands over the console lines and
 * uncaught exceptions of a sampled invocation. Its props (tenant, worker, version) are minted with
 * the isolate (dispatch/loader.ts); the token says which invocation, and counts only if it was
 * begun for those (logs/open.ts). The lines join the invocation's stored row, and are printed as
 * platform log entries attributed from the props, each up to the tenant's log quota per minute in
 * this process (logs/budget.ts).
 */
export class LogSink extends WorkerEntrypoint<Env, Who> implements LogSinkRunner {
  async capture(token: unknown, value: unknown): Promise<void> {
    const batch = parseCapturedBatch(value);
    if (typeof token !== "string" || batch === null) return;
    const { tenant, worker, version } = this.ctx.props;
    await receiveCaptured(this.env, this.ctx, token, { tenant, worker, version }, batch);
  }
}

/** What a sampled invocation captured, from the sink or from its response (dispatch/dispatch.ts): stored with it, and printed. */
export async function receiveCaptured(env: Env, ctx: ExecutionContext, token: string, who: Who, batch: CapturedBatch): Promise<void> {
  countUnprinted(ctx, batch.calls, batch.oversized);
  const trigger = addCaptured(env, ctx, token, who, batch);
  if (trigger === null) return;
  const item = {
    event: trigger,
    outcome: "unknown",
    truncated: batch.truncated,
    logs: batch.lines.map(({ timestamp, level, message }) => ({ timestamp, level, message: [message] })),
    exceptions: batch.exceptions,
  } as unknown as TraceItem;
  const limit = await logLimit(env, who.tenant);
  const now = Date.now();
  for (const entry of tenantEntries(item, who)) {
    const verdict = printBudget.take(who.tenant, JSON.stringify(entry).length, limit, now);
    if (verdict === "print") emit(entry);
    else if (verdict === "first drop") {
      const msg = `tenant ${who.tenant} is over its log_bytes_per_minute quota (${limit} bytes); its log entries are dropped until the minute ends`;
      emit({ level: "warn", src: "runner", msg, tenant: who.tenant, worker: who.worker });
    }
  }
}

/** The supervisor counts these with the raw console lines it drops: at most one line a second says how many. */
function countUnprinted(ctx: ExecutionContext, lines: number, oversized: number): void {
  unprinted.lines += lines;
  unprinted.oversized += oversized;
  if (reportQueued || lines + oversized === 0) return;
  reportQueued = true;
  ctx.waitUntil(
    scheduler.wait(REPORT_EVERY_MS).then(() => {
      reportQueued = false;
      emit({ level: "debug", src: "runner", msg: UNPRINTED_CONSOLE, ...unprinted });
      unprinted.lines = 0;
      unprinted.oversized = 0;
    }),
  );
}
