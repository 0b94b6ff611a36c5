// The invocations sampled for logging, in this process, by invocation token: what the runner knows
// of each (its trigger, request, status, outcome, duration) from the code that invoked it
// (dispatch/dispatch.ts, cron/run.ts, queue/consume.ts), merged with the console lines and
// exceptions its isolate hands the LogSink (logs/sink.ts). Its row is built when the store takes
// its batch (logs/store.ts), so lines that arrive meanwhile are in it; lines that arrive after
// that (waitUntil work) are stored as a follow-up row of the same invocation. No tail per
// invocation: workerd's CPU time per invocation is not known here (cpu_ms is null).
import type { Env } from "../env.ts";
import { knownLogLimit, logLimit } from "../quota/log-limit.ts";
import { LogBudget } from "./budget.ts";
import type { CapturedBatch, CapturedException, CapturedLine } from "./capture-contract.ts";
import type { Who } from "./events.ts";
import { type StoredInvocation, loggedBytes, storedInvocation, withoutLines } from "./invocation.ts";
import { enqueueAndFlush } from "./store.ts";

/** What invoked it: the shape of a tail event's `event`, which storedInvocation reads. */
export type Trigger =
  | { request: { url: string; method: string; headers: Record<string, string> } }
  | { cron: string; scheduledTime: number }
  | { queue: string; batchSize: number };

interface Open {
  who: Who;
  trigger: Trigger;
  startedAt: number;
  lines: CapturedLine[];
  exceptions: CapturedException[];
  truncated: boolean;
  /** Set when the invoking code saw it end. */
  end: { outcome: string; status: number | null; endedAt: number } | null;
  /** Its row was built for a batch: later lines go to a follow-up. */
  taken: boolean;
}

/**
 * Invocations remembered at once: the oldest are forgotten first (late lines of theirs are then
 * lost). Under load this is a few seconds of invocations, not the whole waitUntil grace.
 */
const MAX_OPEN = 10_000;
/** Entries kept per invocation until its row is built: storedInvocation keeps 32, and counts the rest. */
const MAX_ENTRIES = 256;

const open = new Map<string, Open>();
const storeBudget = new LogBudget();

/** Whether an invocation of a version sampled at `rate` is logged (head sampling, decided per invocation). */
export function sampled(rate: number): boolean {
  return rate > 0 && (rate >= 1 || Math.random() < rate);
}

/** A fetch as its row reads it. */
export const requestTrigger = (url: string, method: string, headers: Headers): Trigger => ({ request: { url, method, headers: Object.fromEntries(headers) } });

/** The props an invoker calls the isolate with; an invocation sampled at `rate` is opened first. */
export function openIfSampled(rate: number, token: string, who: Who, trigger: () => Trigger): InvocationProps {
  if (!sampled(rate)) return { invocation: token };
  openInvocation(token, who, trigger());
  return { invocation: token, log: true };
}

/** Starts remembering a sampled invocation, before its isolate is called. */
function openInvocation(token: string, who: Who, trigger: Trigger): void {
  if (open.size >= MAX_OPEN) open.delete(open.keys().next().value as string);
  open.set(token, { who, trigger, startedAt: Date.now(), lines: [], exceptions: [], truncated: false, end: null, taken: false });
}

/**
 * The invocation ended as its invoker saw it (`status`: a fetch's response); its row goes to the
 * store. `ended` null: the worker never ran (its isolate could not be built), nothing is stored.
 */
export function closeInvocation(env: Env, ctx: ExecutionContext, token: string, ended: { outcome: string; status?: number | null } | null): void {
  const invocation = open.get(token);
  if (!invocation || invocation.end !== null) return;
  if (ended === null) {
    open.delete(token);
    return;
  }
  invocation.end = { outcome: ended.outcome, status: ended.status ?? null, endedAt: Date.now() };
  store(env, ctx, invocation);
}

/**
 * Lines an isolate handed over for the invocation `token`, which must have been begun for the
 * sink's own tenant, worker and version (its props): a token of another is ignored. Returns the
 * invocation's trigger for printing them, or null.
 */
export function addCaptured(env: Env, ctx: ExecutionContext, token: string, who: Who, batch: CapturedBatch): Trigger | null {
  let invocation = open.get(token);
  if (!invocation || invocation.who.tenant !== who.tenant || invocation.who.worker !== who.worker || invocation.who.version !== who.version) return null;
  if (invocation.taken) {
    // Only an ended invocation's row is taken: this one goes to the store at once.
    invocation = { ...invocation, lines: [], exceptions: [], truncated: false, taken: false };
    open.set(token, invocation);
    store(env, ctx, invocation);
  }
  const lines = batch.lines.slice(0, MAX_ENTRIES - invocation.lines.length);
  const exceptions = batch.exceptions.slice(0, MAX_ENTRIES - invocation.exceptions.length);
  invocation.lines.push(...lines);
  invocation.exceptions.push(...exceptions);
  invocation.truncated ||= batch.truncated || lines.length < batch.lines.length || exceptions.length < batch.exceptions.length;
  return invocation.trigger;
}

/** Per invocation, no promise of its own while the tenant's quota is known: each costs CPU at thousands a second. */
function store(env: Env, ctx: ExecutionContext, invocation: Open): void {
  const { tenant, worker } = invocation.who;
  const known = knownLogLimit(tenant);
  if (known !== undefined) return enqueueAndFlush(env, ctx, { tenant, worker, row: () => row(invocation, known) });
  ctx.waitUntil(logLimit(env, tenant).then((limit) => enqueueAndFlush(env, ctx, { tenant, worker, row: () => row(invocation, limit) })));
}

/** The invocation's row as it is now, within the tenant's log quota of this minute. */
function row(invocation: Open, limit: number | null): StoredInvocation | null {
  invocation.taken = true;
  const { end } = invocation;
  if (end === null) return null;
  const event = "request" in invocation.trigger && end.status !== null ? { ...invocation.trigger, response: { status: end.status } } : invocation.trigger;
  const item = {
    event,
    eventTimestamp: invocation.startedAt,
    outcome: end.outcome,
    wallTime: end.endedAt - invocation.startedAt,
    cpuTime: NaN,
    truncated: invocation.truncated,
    logs: invocation.lines.map(({ timestamp, level, message }) => ({ timestamp, level, message: [message] })),
    exceptions: invocation.exceptions,
  } as unknown as TraceItem;
  const now = Date.now();
  const stored = storedInvocation(item, invocation.who, now);
  if (stored === null) return null;
  return storeBudget.take(stored.tenant, loggedBytes(stored), limit, now) === "print" ? stored : withoutLines(stored);
}

/** What an invoker hands the isolate in `ctx.props`: the invocation's token, and whether it is logged. */
export type InvocationProps = { invocation: string; log?: true };

/**
 * Runs a scheduled or queue invocation, logged when sampled at `rate`: its outcome is the one
 * workerd reports for the handler. A call that fails (the isolate could not be loaded) stores nothing.
 */
export async function loggedCall<T extends { outcome: string }>(
  env: Env,
  ctx: ExecutionContext,
  rate: number,
  token: string,
  who: Who,
  trigger: Trigger,
  call: (props: InvocationProps) => Promise<T>,
): Promise<T> {
  const props = openIfSampled(rate, token, who, () => trigger);
  if (!props.log) return call(props);
  let ended: { outcome: string } | null = null;
  try {
    const result = await call(props);
    ended = { outcome: result.outcome };
    return result;
  } finally {
    closeInvocation(env, ctx, token, ended);
  }
}
