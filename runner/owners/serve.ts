// The owner's side of a forwarded call (wire.ts), on the private socket's Admin entrypoint: the
// signature and time checked, then the call run if this process serves the object at the
// generation the caller named (placement.ts), else 409 and the caller looks up again.
import type { Env } from "../env.ts";
import { encode } from "./codec.ts";
import { journaled } from "../logs/journal.ts";
import { runForwarded } from "./placement.ts";
import { ANSWER_HEADER, ARRIVED_STATUS, MOVED_STATUS, OWNER_CALL_PATH, verifiedCall } from "./wire.ts";

/** Calls that arrived here lately, by id: one sent again after a failed send runs only if it never arrived. */
const arrived = new Set<string>();
const ARRIVED_KEPT = 4096;

/** The answer to a forwarded call, marked as the runner's (wire.ts), or null when the request is not one. */
export async function answerOwnerCall(request: Request, env: Env): Promise<Response | null> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(OWNER_CALL_PATH)) return null;
  const response = await answer(request, env, url);
  response.headers.set(ANSWER_HEADER, String(response.status));
  return response;
}

async function answer(request: Request, env: Env, url: URL): Promise<Response> {
  const call = await verifiedCall(env, request, url);
  if (call instanceof Response) return call;
  if (arrived.has(call.call)) return new Response("this call arrived before", { status: ARRIVED_STATUS });
  arrived.add(call.call);
  if (arrived.size > ARRIVED_KEPT) arrived.delete(arrived.values().next().value as string);
  try {
    // Journaled as the tenant's call it runs for: a query that stalls this process is blamed on its worker.
    const run = () => runForwarded(env, call.kind, call.id, call.generation, call.method, call.args);
    const outcome = call.invocation ? await journaled(call.invocation, run) : await run();
    if (outcome.moved) {
      // It did not run here: sent again at the object's new generation (to this process, which
      // took it again), it may run.
      arrived.delete(call.call);
      return new Response(outcome.why, { status: MOVED_STATUS });
    }
    return new Response(encode({ result: outcome.result }), { headers: { "content-type": "application/json" } });
  } catch (error) {
    return new Response(error instanceof Error ? error.message : String(error), { status: 500 });
  }
}
