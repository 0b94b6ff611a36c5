// Probation: running suspects apart. When a killed process had several workers' calls in flight,
// blame is not certain and every one of them goes on probation (control/incidents.ts). Their
// public requests, queue batches and cron attempts are then forwarded, from whichever process
// accepted or leased them, to the probation process over its private port; there they run one at
// a time, so that a stall or crash there has exactly one suspect. Innocent workers pay with
// sequential service until the probation ends. Leases and claims stay with the forwarding process
// (they renew and settle there), so forwarding changes where a handler runs and nothing else.
import type { Env } from "../env.ts";
import { textResponse } from "../text-response.ts";
import { errorText, log } from "../logs/log.ts";
import { CLIENT_IP_HEADER } from "../logs/events.ts";
import { toHex } from "../encoding.ts";
import { type Route, resolveWorker } from "./routes.ts";
import { suspendedMessage } from "./suspended.ts";

/** The client's address in `headers`, or none when it is not known (never the client's own claim). */
export function setClientIp(headers: Headers, clientIp: string | null): void {
  if (clientIp) headers.set(CLIENT_IP_HEADER, clientIp);
  else headers.delete(CLIENT_IP_HEADER);
}

/** Headers of a forwarded call: the secret that proves the runner sent it, and the original URL. */
const FORWARD_SECRET_HEADER = "x-outpost-forward";
const FORWARD_URL_HEADER = "x-outpost-url";
/** Set on every forwarded call: its random id, which the probation process notes on arrival. */
const FORWARD_CALL_HEADER = "x-outpost-call";
/** The probation process's answer to "did call X arrive?" (arrivalOf), on its private port. */
const ARRIVALS_PATH = "/probation/arrivals/";
/** Call ids the probation process remembers; a forward is asked about within milliseconds of its failure. */
const ARRIVALS_KEPT = 4096;
/** A public request's body is kept for a resend (see toProbation) up to this size; larger ones stream. */
const RESENDABLE_BODY_BYTES = 1024 * 1024;
/** Set on a forwarded event (forwardEvent): its kind. */
const FORWARD_EVENT_HEADER = "x-outpost-event";
/** Calls waiting for their turn; beyond this the probation process answers 503 at once. */
const MAX_WAITING = 256;
/** After a failed forward, calls wait (checking every 100 ms, up to 10 s) for the process to be back. */
const BACK_CHECKS = 100;
const BACK_CHECK_MS = 100;

/** The events of a worker on probation that are forwarded besides its public requests. */
export type ProbationEvent = "queue" | "scheduled";
const EVENT_NAMES: Record<ProbationEvent, string> = { queue: "queue batch", scheduled: "cron attempt" };

/**
 * Set when a forward failed (the probation process is restarting: it was killed or crashed), and
 * until the first forward has found it answering: it starts beside the pool, and a forward that
 * failed cannot tell "never reached it" from "was running there", so none is sent blind.
 */
let down = true;
/** The probation process as this process last saw it answer (its random boot id); null before that. */
let seenBoot: string | null = null;

export const isProbationProcess = (env: Env): boolean => env.PROCESS_ROLE === "probation";

/** True when this process must hand the worker's events to the probation process (forwardEvent). */
export const runsApart = (env: Env, route: Route): boolean => route.probation && env.CONFIG.probationPort !== null && !isProbationProcess(env);

/** Sends a public request to the probation process; 503 when it is not there (restarting). */
export async function forwardToProbation(request: Request, env: Env, worker: string, clientIp: string | null): Promise<Response> {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  setClientIp(headers, clientIp);
  headers.set(FORWARD_URL_HEADER, new URL(request.url, `http://${request.headers.get("host") ?? "localhost"}`).href);
  // Sent by the client, it would pass off this request's body as an event of any tenant's worker.
  headers.delete(FORWARD_EVENT_HEADER);
  const sent = await toProbation(env, "its request", url.pathname + url.search, {
    method: request.method,
    headers,
    body: await resendable(request),
    redirect: "manual",
  });
  return typeof sent === "string" ? unavailable(worker, sent) : sent;
}

/**
 * Runs an event of a worker on probation (a queue batch, a cron attempt) in the probation
 * process, in its turn (runForwardedEvent there); its JSON answer. Throws when it could not run
 * there, or failed to: the caller treats that as the handler failing (a retry).
 */
export async function forwardEvent<T>(env: Env, worker: string, kind: ProbationEvent, payload: unknown): Promise<T> {
  const headers = new Headers({ [FORWARD_EVENT_HEADER]: kind, "content-type": "application/json" });
  const sent = await toProbation(env, `its ${EVENT_NAMES[kind]}`, "/", { method: "POST", headers, body: JSON.stringify(payload) });
  if (typeof sent === "string") throw new Error(`Worker ${worker} is on probation and ${sent}.`);
  if (!sent.ok) throw new Error(`Worker ${worker} is on probation and its ${EVENT_NAMES[kind]} could not run there: ${await sent.text()}`);
  return (await sent.json()) as T;
}

/**
 * A public request's body in a form that can be sent twice (toProbation): none, or its bytes when
 * it declares a small length; a larger or unannounced body streams and is never resent.
 */
async function resendable(request: Request): Promise<ArrayBuffer | ReadableStream | null> {
  const length = Number(request.headers.get("content-length") ?? NaN);
  return request.body && length <= RESENDABLE_BODY_BYTES ? request.arrayBuffer() : request.body;
}

/** Sends a call to the probation process; instead of a response, why it did not get there or back. */
async function toProbation(env: Env, what: string, path: string, init: RequestInit & { headers: Headers }): Promise<Response | string> {
  const port = env.CONFIG.probationPort;
  const secret = env.FORWARD_SECRET;
  if (port === null || !secret) throw new Error("forwarded to probation without a probation process");
  const origin = `http://${env.CONFIG.privateHost}:${port}`;
  if (down && !(await backUp(origin, secret))) return "its probation process is restarting";
  const call = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const boot = seenBoot;
  init.headers.set(FORWARD_SECRET_HEADER, secret);
  init.headers.set(FORWARD_CALL_HEADER, call);
  try {
    return await fetch(`${origin}${path}`, init);
  } catch (error) {
    // A pooled connection the probation process had just closed (it closes one whose request body
    // its worker did not read) fails a call that never reached it. Such a call is sent again, once,
    // when that same process says it never arrived. Any other call is never sent twice: one that
    // was running when the process died would run again (and an attack would be replayed); calls
    // that come after it wait for the process to be back.
    const arrival = await arrivalOf(origin, secret, call);
    const resend = arrival !== null && arrival.boot === boot && !arrival.arrived && !(init.body instanceof ReadableStream);
    log.warn("a call forwarded to the probation process failed", { error: errorText(error), resent: resend });
    if (resend) {
      try {
        return await fetch(`${origin}${path}`, init);
      } catch {
        // Told below, as any failure.
      }
    }
    down = true;
    return `${what} was running when its probation process was stopped`;
  }
}

/** Waits for the probation process to answer again; false if it does not in time. */
async function backUp(origin: string, secret: string): Promise<boolean> {
  const answer = await arrivalOf(origin, secret, "none");
  down = answer === null;
  return answer !== null;
}

/** Whether a call reached the probation process, and which process answers; null if none answers in time. */
async function arrivalOf(origin: string, secret: string, call: string): Promise<{ boot: string; arrived: boolean } | null> {
  for (let check = 0; check < BACK_CHECKS; check++) {
    const answer = await fetch(`${origin}${ARRIVALS_PATH}${call}`, { headers: { [FORWARD_SECRET_HEADER]: secret } }).then(
      async (response) => (response.ok ? ((await response.json()) as { boot: string; arrived: boolean }) : (await response.body?.cancel(), null)),
      () => null,
    );
    if (answer) {
      seenBoot = answer.boot;
      return answer;
    }
    await new Promise((resolve) => setTimeout(resolve, BACK_CHECK_MS));
  }
  return null;
}

/** In the probation process: the ids of the forwarded calls that arrived, oldest first. */
const arrivals = new Set<string>();
/** In the probation process: its random id, so a forwarder can tell it from its successor. */
let boot: string | null = null;

/** In the probation process: the answer to arrivalOf; null for any other request. */
export function answerArrival(request: Request, env: Env): Response | null {
  const path = new URL(request.url).pathname;
  if (!path.startsWith(ARRIVALS_PATH) || !fromRunner(request, env)) return null;
  boot ??= toHex(crypto.getRandomValues(new Uint8Array(16)));
  return Response.json({ boot, arrived: arrivals.has(path.slice(ARRIVALS_PATH.length)) });
}

function noteArrival(request: Request): void {
  const call = request.headers.get(FORWARD_CALL_HEADER);
  if (call === null) return;
  arrivals.add(call);
  if (arrivals.size > ARRIVALS_KEPT) arrivals.delete(arrivals.values().next().value as string);
}

/**
 * The request as the client sent it, when it was forwarded by this platform's runner; null for
 * anything else (the probation process's private port also serves the admin API).
 */
export function forwardedRequest(request: Request, env: Env): Request | null {
  if (!fromRunner(request, env) || request.headers.has(FORWARD_EVENT_HEADER)) return null;
  const url = request.headers.get(FORWARD_URL_HEADER) ?? request.url;
  const headers = new Headers(request.headers);
  headers.delete(FORWARD_SECRET_HEADER);
  headers.delete(FORWARD_URL_HEADER);
  headers.set("host", new URL(url).host);
  return new Request(url, { method: request.method, headers, body: request.body, redirect: "manual" });
}

/**
 * Runs an event forwarded by forwardEvent with the runner for its kind, in its turn, and answers
 * its result as JSON (500 with the error's message when it failed); null for any other request.
 */
export async function runForwardedEvent(
  request: Request,
  env: Env,
  runners: Record<ProbationEvent, (payload: unknown) => Promise<unknown>>,
): Promise<Response | null> {
  const kind = request.headers.get(FORWARD_EVENT_HEADER);
  if ((kind !== "queue" && kind !== "scheduled") || !fromRunner(request, env)) return null;
  const payload: unknown = await request.json();
  const turn = inTurn(() => runners[kind](payload));
  if (!turn) return textResponse(503, "too many calls are waiting on probation");
  try {
    return Response.json(await turn);
  } catch (error) {
    return textResponse(500, error instanceof Error ? error.message : String(error));
  }
}

/**
 * In the probation process: a forwarded event's worker, read here again; throws when it is gone
 * or has been suspended since (an event forwarded before the suspension must not run).
 */
export async function forwardedRoute(env: Env, ctx: ExecutionContext, { tenant, worker }: { tenant: string; worker: string }): Promise<Route> {
  const route = await resolveWorker(env, ctx, worker);
  if (!route || route.tenant !== tenant) throw new Error(`worker ${worker} is gone`);
  if (route.suspended) throw new Error(suspendedMessage(worker, route.suspended));
  return route;
}

let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

/** Runs `call` when no other call of this process is running (the probation process's rule). */
export function oneAtATime(worker: string, call: () => Promise<Response>): Promise<Response> {
  return inTurn(call) ?? Promise.resolve(unavailable(worker, "too many of its requests are waiting on probation"));
}

/** `call` in its turn, or null when too many calls wait already. */
function inTurn<T>(call: () => Promise<T>): Promise<T> | null {
  if (waiting >= MAX_WAITING) return null;
  waiting++;
  const turn = queue.then(call);
  queue = turn.catch(() => {}).finally(() => waiting--);
  return turn;
}

function unavailable(worker: string, why: string): Response {
  return textResponse(503, `Worker ${worker} is on probation and ${why}; try again shortly.`, { "retry-after": "1" });
}

/**
 * The call carries the secret that only this platform's runners hold, and this is the probation
 * process; such a call's arrival is noted (answerArrival).
 */
function fromRunner(request: Request, env: Env): boolean {
  const secret = env.FORWARD_SECRET;
  const presented = request.headers.get(FORWARD_SECRET_HEADER);
  const forwarded = isProbationProcess(env) && !!secret && presented !== null && sameText(presented, secret);
  if (forwarded) noteArrival(request);
  return forwarded;
}

function sameText(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const [x, y] = [encoder.encode(a), encoder.encode(b)];
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}
