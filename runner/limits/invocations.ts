// The invocations running in this process, by token. The dispatcher (and the queue, cron and
// service-binding paths) begins one per call into a tenant isolate and hands its token to the
// isolate through the entrypoint's props; the shims send it back with every binding call and
// outbound fetch (shims/invocation.ts). Binding stubs are minted once per isolate, so the token is
// the only thing that tells which invocation a call belongs to; identity still comes from each
// stub's props only: a token is accepted only for the tenant and worker it was begun for.
// A Map lookup per call, no database.
import { toHex } from "../encoding.ts";
import { type ConnectionGate, type LimitName, type SubrequestBudget, LIMIT_ERRORS, admitsIo, calleeDepth, release, takeSubrequest, tryOpen } from "./policy.ts";
import { countHit } from "./hits.ts";

interface Invocation {
  tenant: string;
  worker: string;
  depth: number;
  budget: SubrequestBudget;
  gate: ConnectionGate;
  /** When the response went out (Date.now()), or null while the handler runs. */
  endedAt: number | null;
}

/** What limits an invocation, from the runner's config. */
export interface InvocationLimits {
  maxSubrequests: number;
  waitUntilSeconds: number;
}

/** The caller's identity, from the props of the stub the call came through. */
export interface Caller {
  tenant: string;
  worker: string;
}

const live = new Map<string, Invocation>();
/** Ended invocations in the order they ended (so in order of expiry): each begin drops the expired ones from the front. */
const ended = new Map<string, number>();
const CONNECTION_POLL_MS = 2;

/** A new invocation of `worker` (depth 0), or a service-binding call made by `caller` (one deeper). Returns its token. */
export function beginInvocation(limits: InvocationLimits, tenant: string, worker: string, caller?: Invocation): string {
  dropExpired(limits);
  const token = toHex(crypto.getRandomValues(new Uint8Array(16)));
  let depth = 0;
  if (caller) {
    const deeper = calleeDepth(caller.depth);
    if (deeper === null) throw limitHit(tenant, caller.worker, "depth");
    depth = deeper;
  }
  // A callee spends its caller's subrequests (a chain cannot multiply them) but opens its own
  // connections (a chain deeper than the gate would otherwise wait on itself).
  const budget = caller?.budget ?? { used: 0 };
  live.set(token, { tenant, worker, depth, budget, gate: { open: 0 }, endedAt: null });
  return token;
}

/** The handler has answered: `ctx.waitUntil` work keeps its I/O for the grace period, then loses it. */
export function endInvocation(token: string): void {
  const invocation = live.get(token);
  if (!invocation || invocation.endedAt !== null) return;
  invocation.endedAt = Date.now();
  ended.set(token, invocation.endedAt);
}

/** Runs `call` with the invocation's token as the isolate's props: begun before, ended when it settles. */
export async function invoke<T>(
  limits: InvocationLimits,
  tenant: string,
  worker: string,
  call: (token: string) => Promise<T>,
  caller?: Invocation,
): Promise<T> {
  const token = beginInvocation(limits, tenant, worker, caller);
  try {
    return await call(token);
  } finally {
    endInvocation(token);
  }
}

/**
 * The running invocation a binding call or fetch belongs to. Throws Cloudflare's cross-request
 * error for a missing, unknown or expired token, or one begun for another tenant or worker.
 */
export function invocationOf(limits: InvocationLimits, token: unknown, caller: Caller): Invocation {
  const invocation = typeof token === "string" ? live.get(token) : undefined;
  if (!invocation || invocation.tenant !== caller.tenant || invocation.worker !== caller.worker) throw limitHit(caller.tenant, caller.worker, "ended");
  if (!admitsIo(invocation.endedAt, limits.waitUntilSeconds * 1000, Date.now())) throw limitHit(caller.tenant, caller.worker, "ended");
  return invocation;
}

/** Runs one subrequest of `invocation`: counted against its budget, and within its open connections. */
export async function subrequest<T>(limits: InvocationLimits, invocation: Invocation, run: () => Promise<T>): Promise<T> {
  if (!takeSubrequest(invocation.budget, limits.maxSubrequests)) throw limitHit(invocation.tenant, invocation.worker, "subrequests");
  const { gate } = invocation;
  // Polled, not queued: each subrequest runs in a request context of its own, and workerd cancels
  // one that waits only on a promise another context would resolve (it looks hung); a pending
  // timer is I/O it waits on.
  while (!tryOpen(gate)) await new Promise((resolve) => setTimeout(resolve, CONNECTION_POLL_MS));
  try {
    return await run();
  } finally {
    release(gate);
  }
}

function limitHit(tenant: string, worker: string, limit: LimitName): Error {
  countHit(tenant, worker, limit);
  return new Error(LIMIT_ERRORS[limit]);
}

function dropExpired(limits: InvocationLimits): void {
  const now = Date.now();
  for (const [token, endedAt] of ended) {
    if (admitsIo(endedAt, limits.waitUntilSeconds * 1000, now)) return;
    ended.delete(token);
    live.delete(token);
  }
}

export type { Invocation };
