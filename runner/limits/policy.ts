// Cloudflare's per-invocation limits (https://developers.cloudflare.com/workers/platform/limits/)
// and the pure rules that apply them. The registry (invocations.ts) holds the counters; these
// functions only decide, so they are unit-tested without a platform.

/** Service bindings calling each other (or a worker itself) nest at most this deep, as on Cloudflare. */
export const MAX_SERVICE_DEPTH = 32;
/** Simultaneous open connections per invocation; further subrequests wait for one to finish. */
export const MAX_OPEN_CONNECTIONS = 6;

/** Cloudflare's errors, word for word. */
export const LIMIT_ERRORS = {
  subrequests: "Too many subrequests.",
  depth:
    "Subrequest depth limit exceeded. This request recursed through Workers too many times. This can happen e.g. if you have a Worker or Durable Object that calls other Workers or objects recursively.",
  ended:
    "Cannot perform I/O on behalf of a different request. I/O objects (such as streams, request/response bodies, and others) created in the context of one request handler cannot be accessed from a different request's handler.",
} as const;

export type LimitName = keyof typeof LIMIT_ERRORS;

/** Shared by an invocation and every service-binding call it makes, however deep. */
export interface SubrequestBudget {
  used: number;
}

/** One invocation's gate on open connections. */
export interface ConnectionGate {
  open: number;
}

/** Takes one subrequest from the budget, or says the limit is reached (the budget then stays full). */
export function takeSubrequest(budget: SubrequestBudget, max: number): boolean {
  if (budget.used >= max) return false;
  budget.used += 1;
  return true;
}

/** The depth of a service-binding call made at `callerDepth`, or null when it would pass the limit. */
export function calleeDepth(callerDepth: number): number | null {
  return callerDepth + 1 > MAX_SERVICE_DEPTH ? null : callerDepth + 1;
}

/** Opens a connection when a slot is free; otherwise the caller waits and tries again. */
export function tryOpen(gate: ConnectionGate): boolean {
  if (gate.open >= MAX_OPEN_CONNECTIONS) return false;
  gate.open += 1;
  return true;
}

export function release(gate: ConnectionGate): void {
  gate.open -= 1;
}

/** Whether an invocation that ended at `endedAt` (null: still running) still admits I/O at `now`. */
export function admitsIo(endedAt: number | null, graceMs: number, now: number): boolean {
  return endedAt === null || now - endedAt <= graceMs;
}
