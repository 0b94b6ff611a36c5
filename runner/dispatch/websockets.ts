// WebSockets a worker accepts on the public socket. The runner relays each one (its own pair in
// front of the worker's) for two reasons: it is the only way to learn when the socket closes, so
// the invocation keeps its I/O for as long as the socket is open (runner/limits/invocations.ts),
// and it bounds how many sockets one isolate holds open in a process (1,000 idle sockets with
// timers held 317 MB). The cost is one hop in JavaScript per message.
import { textResponse } from "../text-response.ts";

/** workerd's close codes that mark an abnormal end; close() may not send them. */
const UNSENDABLE = new Set([1005, 1006, 1015]);
/** "Try Again Later" (RFC 6455 registry): the socket the worker accepted beyond the cap. */
const TRY_AGAIN_LATER = 1013;

const open = new Map<string, number>();

/**
 * The worker's WebSocket response relayed through the runner, or a 503 when the isolate has
 * `max` open already. `closed` is called once, when either side ends (or at once when refused).
 */
export function relayWebSocket(response: Response, isolate: string, max: number, closed: () => void): Response {
  const inner = response.webSocket!;
  const count = open.get(isolate) ?? 0;
  if (count >= max) {
    inner.accept();
    inner.close(TRY_AGAIN_LATER, "Too many WebSockets open to this worker.");
    closed();
    return textResponse(503, `This worker has ${max} WebSockets open in this process, its limit; try again later.`, { "retry-after": "1" });
  }
  open.set(isolate, count + 1);
  const [client, outer] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  inner.accept();
  outer.accept();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const left = (open.get(isolate) ?? 1) - 1;
    if (left === 0) open.delete(isolate);
    else open.set(isolate, left);
    closed();
  };
  pipe(inner, outer, end);
  pipe(outer, inner, end);
  return new Response(null, { status: 101, webSocket: client, headers: response.headers });
}

function pipe(from: WebSocket, to: WebSocket, end: () => void): void {
  from.addEventListener("message", (event) => {
    try {
      to.send(event.data);
    } catch {
      // The other side is closing; its own close event ends the relay.
    }
  });
  const closeOther = (code: number, reason: string) => {
    try {
      to.close(UNSENDABLE.has(code) ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    end();
  };
  from.addEventListener("close", (event) => closeOther(event.code, event.reason));
  from.addEventListener("error", () => closeOther(1011, "WebSocket error"));
}
