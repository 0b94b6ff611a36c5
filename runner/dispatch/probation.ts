// Probation: running suspects apart. When a killed process had several workers' requests in
// flight, blame is not certain and every one of them goes on probation (control/incidents.ts).
// Their public requests are then forwarded, from whichever process accepted them, to the probation
// process over its private port; there they run one at a time, so that a stall or crash there has
// exactly one suspect. Innocent workers pay with sequential service until the probation ends.
import type { Env } from "../env.ts";
import { textResponse } from "../text-response.ts";

/** Headers of a forwarded request: the secret that proves the runner sent it, and the original URL. */
const FORWARD_SECRET_HEADER = "x-outpost-forward";
const FORWARD_URL_HEADER = "x-outpost-url";
/** Requests waiting for their turn; beyond this the probation process answers 503 at once. */
const MAX_WAITING = 256;
/** After a failed forward, requests wait (checking every 100 ms, up to 10 s) for the process to be back. */
const BACK_CHECKS = 100;
const BACK_CHECK_MS = 100;

/** Set when a forward failed: the probation process is restarting (it was killed or crashed). */
let down = false;

export const isProbationProcess = (env: Env): boolean => env.PROCESS_ROLE === "probation";

/** Sends a public request to the probation process; 503 when it is not there (restarting). */
export async function forwardToProbation(request: Request, env: Env, worker: string): Promise<Response> {
  const port = env.CONFIG.probationPort;
  const secret = env.FORWARD_SECRET;
  if (port === null || !secret) throw new Error("forwardToProbation without a probation process");
  if (down && !(await backUp(port))) return unavailable(worker, "its probation process is restarting");
  const target = new URL(request.url);
  target.protocol = "http:";
  target.host = `127.0.0.1:${port}`;
  const headers = new Headers(request.headers);
  headers.set(FORWARD_SECRET_HEADER, secret);
  headers.set(FORWARD_URL_HEADER, new URL(request.url, `http://${request.headers.get("host") ?? "localhost"}`).href);
  // Never sent twice: a request that was running when the process died would run again (and an
  // attack would be replayed); requests that come after it wait for the process to be back.
  try {
    return await fetch(target, { method: request.method, headers, body: request.body, redirect: "manual" });
  } catch {
    down = true;
    return unavailable(worker, "its request was running when its probation process was stopped");
  }
}

/** Waits for the probation process to answer its health check again; false if it does not in time. */
async function backUp(port: number): Promise<boolean> {
  for (let check = 0; check < BACK_CHECKS; check++) {
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      async (response) => (await response.body?.cancel(), response.ok),
      () => false,
    );
    if (answered) {
      down = false;
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, BACK_CHECK_MS));
  }
  return false;
}

/**
 * The request as the client sent it, when it was forwarded by this platform's runner; null for
 * anything else (the probation process's private port also serves the admin API).
 */
export function forwardedRequest(request: Request, env: Env): Request | null {
  const secret = env.FORWARD_SECRET;
  const presented = request.headers.get(FORWARD_SECRET_HEADER);
  if (!isProbationProcess(env) || !secret || presented === null || !sameText(presented, secret)) return null;
  const url = request.headers.get(FORWARD_URL_HEADER) ?? request.url;
  const headers = new Headers(request.headers);
  headers.delete(FORWARD_SECRET_HEADER);
  headers.delete(FORWARD_URL_HEADER);
  headers.set("host", new URL(url).host);
  return new Request(url, { method: request.method, headers, body: request.body, redirect: "manual" });
}

let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

/** Runs `call` when no other call of this process is running (the probation process's rule). */
export function oneAtATime(worker: string, call: () => Promise<Response>): Promise<Response> {
  if (waiting >= MAX_WAITING) return Promise.resolve(unavailable(worker, "too many of its requests are waiting on probation"));
  waiting++;
  const turn = queue.then(call);
  queue = turn.catch(() => {}).finally(() => waiting--);
  return turn;
}

function unavailable(worker: string, why: string): Response {
  return textResponse(503, `Worker ${worker} is on probation and ${why}; try again shortly.`, { "retry-after": "1" });
}

function sameText(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const [x, y] = [encoder.encode(a), encoder.encode(b)];
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}
