import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { logLimit } from "../quota/log-limit.ts";
import { LogBudget } from "./budget.ts";
import { CAPTURE_HEADER, type CapturedBatch, type LogSinkRunner, parseCapturedBatch, parseCapturedHeader } from "./capture-contract.ts";
import { type Who, tenantEntries } from "./events.ts";
import { emit } from "./log.ts";
import { type InvocationProps, addCaptured, closeInvocation, openIfSampled, requestTrigger } from "./open.ts";
import { PrintRate } from "./print-rate.ts";

const printBudget = new LogBudget();

/**
 * The runner line that tells the supervisor what tenant output it never saw (cli/workerd-output.js
 * reports it with what it drops itself): console calls captured instead of printed raw, those
 * longer than a line it reads, and entries over the rate limit per worker (logs/print-rate.ts).
 */
const UNPRINTED_OUTPUT = "tenant output not printed";
const REPORT_EVERY_MS = 1000;
const printRate = new PrintRate();
let unprinted = { console: 0, oversized: 0, overRate: new Map<string, { tenant: string; worker: string; dropped: number }>() };
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
async function receiveCaptured(env: Env, ctx: ExecutionContext, token: string, who: Who, batch: CapturedBatch): Promise<void> {
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
  const key = `${who.tenant}/${who.worker}`;
  for (const entry of tenantEntries(item, who)) {
    const bytes = JSON.stringify(entry).length;
    const verdict = printBudget.take(who.tenant, bytes, limit, now);
    if (verdict === "print") {
      if (printRate.take(key, bytes, now)) emit(entry);
      else countOverRate(ctx, who);
    } else if (verdict === "first drop") {
      const msg = `tenant ${who.tenant} is over its log_bytes_per_minute quota (${limit} bytes); its log entries are dropped until the minute ends`;
      emit({ level: "warn", src: "runner", msg, tenant: who.tenant, worker: who.worker });
    }
  }
}

function countUnprinted(ctx: ExecutionContext, calls: number, oversized: number): void {
  if (calls + oversized === 0) return;
  unprinted.console += calls;
  unprinted.oversized += oversized;
  queueReport(ctx);
}

function countOverRate(ctx: ExecutionContext, { tenant, worker }: Who): void {
  const key = `${tenant}/${worker}`;
  const known = unprinted.overRate.get(key);
  if (known) known.dropped++;
  else unprinted.overRate.set(key, { tenant, worker, dropped: 1 });
  queueReport(ctx);
}

/** At most one report a second, a second after the first uncounted entry. */
function queueReport(ctx: ExecutionContext): void {
  if (reportQueued) return;
  reportQueued = true;
  ctx.waitUntil(
    scheduler.wait(REPORT_EVERY_MS).then(() => {
      const { console, oversized, overRate } = unprinted;
      unprinted = { console: 0, oversized: 0, overRate: new Map() };
      reportQueued = false;
      emit({ level: "debug", src: "runner", msg: UNPRINTED_OUTPUT, console, oversized, overRate: [...overRate.values()] });
    }),
  );
}

/**
 * A fetch's response as its caller may see it: the capture header the isolate put on it
 * (shims/log-capture.ts) removed, and, for an invocation logged (`who`), what it carried received.
 * Its headers cannot be changed in place, so it is copied; a small body with a known length is
 * read first, as a copy over the stream costs about 35 µs of CPU per request (docs/benchmarks.md,
 * "Logs and tails") and reading it a few.
 */
export async function takeCapture(env: Env, ctx: ExecutionContext, response: Response, token: string, who: Who | null): Promise<Response> {
  const captured = response.headers.get(CAPTURE_HEADER);
  if (captured === null) return response;
  const batch = who ? parseCapturedHeader(captured) : null;
  if (who && batch) ctx.waitUntil(receiveCaptured(env, ctx, token, who, batch));
  const headers = new Headers(response.headers);
  headers.delete(CAPTURE_HEADER);
  const small = response.webSocket === null && Number(response.headers.get("content-length") ?? Infinity) <= BUFFERED_BODY_BYTES;
  const body = response.body === null ? null : small ? await response.arrayBuffer() : response.body;
  return new Response(body, { status: response.status, statusText: response.statusText, headers, webSocket: response.webSocket });
}

/** A response body up to this size (its Content-Length) is read before it is passed on. */
const BUFFERED_BODY_BYTES = 16 * 1024;

/**
 * Runs a fetch through a service binding, logged when sampled at `rate`, as the dispatcher logs a
 * public one: its capture header removed from the response the caller gets.
 */
export async function loggedFetch(
  env: Env,
  ctx: ExecutionContext,
  rate: number,
  token: string,
  who: Who,
  request: Request,
  call: (props: InvocationProps) => Promise<Response>,
): Promise<Response> {
  const props = openIfSampled(rate, token, who, () => requestTrigger(request.url, request.method, request.headers));
  const logged = props.log === true;
  let ended: { outcome: string; status: number | null } | null = null;
  try {
    const response = await takeCapture(env, ctx, await call(props), token, logged ? who : null);
    ended = { outcome: "ok", status: response.status };
    return response;
  } catch (error) {
    ended = { outcome: "exception", status: null };
    throw error;
  } finally {
    if (logged) closeInvocation(env, ctx, token, ended);
  }
}
