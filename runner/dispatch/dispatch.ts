import { assetsBeforeWorker } from "../assets/router.ts";
import { assetConfigOf } from "../assets/serve.ts";
import type { Env } from "../env.ts";
import { toHex } from "../encoding.ts";
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, cut } from "../logs/events.ts";
import { journaled } from "../logs/journal.ts";
import { emit, log } from "../logs/log.ts";
import { storeSuspended } from "../logs/suspended.ts";
import { closeInvocation, openIfSampled, requestTrigger } from "../logs/open.ts";
import { takeCapture } from "../logs/sink.ts";
import { loadVersion } from "./loader.ts";
import { servePresigned } from "../r2/presigned-endpoint.ts";
import { STORAGE_HOST_LABEL, chooseVersion, invocationOf, resolveRequest, workerNameFromHost } from "./routes.ts";
import { suspendedMessage } from "./suspended.ts";
import { textResponse } from "../text-response.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { forwardToProbation, isProbationProcess, oneAtATime, setClientIp } from "./probation.ts";
import { publicClientAddress } from "../client-address.ts";
import { bodyTooLarge, countedBody, declaresTooMuch } from "./body-limit.ts";
import { TenantIsolateCapReached, refusedAtCap } from "./isolate-budget.ts";
import { beginInvocation, endInvocation } from "../limits/invocations.ts";
import { relayWebSocket } from "./websockets.ts";
import { flushHits } from "../limits/hits.ts";
import { countedRequest } from "../metrics/registry.ts";

/** workerd's wording for an isolate whose top-level code threw. */
const STARTUP_FAILURE = "Failed to start Worker";

/** The public socket: route pattern or `Host: NAME.<baseDomain>` → worker → a version's isolate. */
export async function dispatch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  try {
    return await serve(request, env, ctx);
  } catch (error) {
    // Routes and worker code come from the database (through caches): while it is away, a request
    // the caches cannot answer gets a 503 at once, and the next one after it is back is served.
    if (!isDatabaseUnavailable(error)) throw error;
    log.error("public request: the database is unavailable; answered 503", { error: error.message });
    return textResponse(503, "The platform's database is unavailable; try again shortly.", { "retry-after": "1" });
  }
}

async function serve(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  // Presigned uploads are R2's, not a worker's: R2's own object size limits apply to them.
  if (workerNameFromHost(host, env.CONFIG.baseDomain) === STORAGE_HOST_LABEL) return servePresigned(request, env, ctx);
  const bodyLimit = env.CONFIG.maxRequestBodyBytes;
  if (declaresTooMuch(request, bodyLimit)) return bodyTooLarge(bodyLimit);
  const route = await resolveRequest(env, ctx, host, url.pathname);
  if (!route) return textResponse(404, `No worker is deployed at ${host}. Workers answer at NAME.${env.CONFIG.baseDomain}.`);
  // Cloudflare's header for the client's address, whatever the client sent: workers key rate
  // limits and per-visitor data on it, and the log stores it. In the probation process the runner
  // that forwarded the request has set it already.
  const address = publicClientAddress(request, env.CONFIG.clientIpHeader);
  const clientIp = isProbationProcess(env) ? request.headers.get(CLIENT_IP_HEADER) : address === "unknown" ? null : address;
  if (route.suspended) {
    storeSuspended(env, ctx, route, request, clientIp, 503);
    return textResponse(503, suspendedMessage(route.worker, route.suspended));
  }
  const versionId = chooseVersion(route, request);
  // Static assets answer before the worker runs where Cloudflare's asset routing says they do.
  const assets = await assetConfigOf(env, versionId);
  const asset = assets && (await assetsBeforeWorker(env, route.tenant, assets, request));
  if (asset) return asset;
  const probation = route.probation && env.CONFIG.probationPort !== null;
  if (probation && !isProbationProcess(env)) return forwardToProbation(request, env, route.worker, clientIp);
  // Set here, whatever the client sent: the id that ties the worker's log events to this request.
  const requestId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const headers = new Headers(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  setClientIp(headers, clientIp);
  const counted = countedBody(request, bodyLimit);
  const forwarded = counted ? new Request(request, { headers, body: counted.body }) : new Request(request, { headers });
  // Why building the isolate failed: the platform's failure, told apart from the worker's own
  // errors by where it happened, never by a message the worker could also throw.
  let buildFailure: unknown = null;
  // The invocation's I/O lasts until the response's headers are back (or its WebSocket closes),
  // then for the waitUntil grace (runner/limits/invocations.ts).
  const invocation = beginInvocation(env.CONFIG, route.tenant, route.worker);
  let upgraded = false;
  // A sampled invocation's row is built from what the dispatcher sees (logs/open.ts).
  const who = { tenant: route.tenant, worker: route.worker, version: versionId };
  const props = openIfSampled(route.sampling[versionId] ?? 0, invocation, who, () => requestTrigger(request.url, request.method, headers));
  const logged = props.log === true;
  let ended: { outcome: string; status: number | null } | null = null;
  try {
    // The journal's call ends when fetch() settles: a streamed body the worker goes on writing
    // after that is not tracked, so a stall while streaming has no suspect.
    const isolate = () => loadVersion(env, ctx, route, versionId, (error) => (buildFailure = error));
    const called = invocationOf(route, versionId);
    const run = () => journaled(called, () => isolate().getEntrypoint(undefined, { props }).fetch(forwarded));
    let response = await countedRequest(called, () => (probation ? oneAtATime(route.worker, run) : run()));
    ended = { outcome: "ok", status: response.status };
    response = await takeCapture(env, ctx, response, invocation, logged ? who : null);
    if (response.webSocket) {
      upgraded = true;
      return relayWebSocket(response, versionId, env.CONFIG.maxWebSocketsPerIsolate, () => endInvocation(invocation));
    }
    if (!counted?.exceeded()) return response;
    // The worker answered although its body was cut (it caught the error): the client still
    // learns that its body was refused.
    await response.body?.cancel();
    return bodyTooLarge(bodyLimit);
  } catch (error) {
    if (isDatabaseUnavailable(buildFailure)) throw buildFailure;
    if (error instanceof TenantIsolateCapReached) return refusedAtCap(route, error);
    if (counted?.exceeded()) return bodyTooLarge(bodyLimit);
    const failed = { ...who, requestId };
    // The worker's own exceptions reach the log through its isolate's log capture (logs/sink.ts)
    // when observability is on, except one thrown by its top-level code as the isolate starts:
    // no handler ran, only this error carries it.
    if (error instanceof Error && error.message.startsWith(STARTUP_FAILURE)) emit({ ...failed, src: "tenant", level: "error", msg: cut(error.message) });
    else if (buildFailure === null) ended = { outcome: "exception", status: null };
    log.error("the worker threw an exception; answered 500", failed);
    return textResponse(500, "Worker threw an exception.");
  } finally {
    if (logged) closeInvocation(env, ctx, invocation, ended);
    if (!upgraded) endInvocation(invocation);
    ctx.waitUntil(flushHits(env));
  }
}
