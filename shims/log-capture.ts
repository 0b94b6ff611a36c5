// Console lines and uncaught exceptions of the invocations the platform sampled for logging
// (it says so in `ctx.props.log`), kept in the isolate and handed to the runner's LogSink
// (runner/logs/sink.ts) in one call when the handler settles, then in one call per turn for lines
// its waitUntil work writes later. This replaces a Worker Loader tail per invocation, which cost
// about as much CPU as a hello-world request (docs/benchmarks.md, "Logs and tails"). No tenant console
// call reaches workerd's stdout: an unsampled invocation's are dropped here; top-level output
// (no invocation) still goes to the console, where the deploy's load check reads it.
// Tenant code can replace `console` or call the sink itself: it then loses or garbles only its
// own logs, as the sink's identity comes from its props and every token is checked there.
import type { CapturedBatch, CapturedException, CapturedLine, LogSinkRunner } from "../runner/logs/capture-contract.ts";
import { CAPTURE_HEADER, CAPTURE_LIMITS } from "../runner/logs/capture-contract.ts";
import { currentInvocation } from "./invocation.ts";

const LEVELS = ["debug", "log", "info", "warn", "error"] as const;

export class LogCapture {
  readonly #sink: LogSinkRunner;
  readonly #token: string;
  readonly #waitUntil: (promise: Promise<unknown>) => void;
  #lines: CapturedLine[] = [];
  #exceptions: CapturedException[] = [];
  #bytes = 0;
  #truncated = false;
  #calls = 0;
  #oversized = 0;
  #settled = false;
  #sendQueued = false;

  constructor(sink: LogSinkRunner, token: string, waitUntil: (promise: Promise<unknown>) => void) {
    this.#sink = sink;
    this.#token = token;
    this.#waitUntil = waitUntil;
  }

  line(level: string, args: unknown[]): void {
    this.#calls++;
    const message = formatArguments(args);
    if (message.length > CAPTURE_LIMITS.OVERSIZED_CHARS) this.#oversized++;
    if (!this.#fits(message.length)) return;
    this.#lines.push({ timestamp: Date.now(), level, message });
    this.#changed();
  }

  exception(error: unknown): void {
    const { name, message, stack } =
      error instanceof Error ? { name: error.name, message: error.message, stack: error.stack ?? "" } : { name: "Error", message: String(error), stack: "" };
    if (!this.#fits(name.length + message.length + stack.length)) return;
    this.#exceptions.push({ timestamp: Date.now(), name, message, stack });
    this.#changed();
  }

  /**
   * The handler's call settled with `result`: what it captured goes now, anything later once per
   * turn. A fetch's plain Response carries a small capture back to the dispatcher in a header it
   * removes (dispatch/dispatch.ts): a call to the sink costs about half a hello-world request.
   */
  settled(result?: unknown): unknown {
    this.#settled = true;
    if (result instanceof Response && result.webSocket === null && this.#bytes <= CAPTURE_LIMITS.HEADER_CHARS && this.#pending()) {
      const captured = asciiJson(this.#take());
      try {
        result.headers.set(CAPTURE_HEADER, captured);
        return result;
      } catch {
        // Its headers are immutable (a fetch()'s response passed through, Response.redirect()).
        const response = new Response(result.body, result);
        response.headers.set(CAPTURE_HEADER, captured);
        return response;
      }
    }
    this.#send();
    return result;
  }

  /** Like workerd's tail, an invocation's captured text is bounded; past it, the rest is counted as cut. */
  #fits(chars: number): boolean {
    if (this.#bytes + chars > CAPTURE_LIMITS.CHARS_PER_INVOCATION) {
      this.#truncated = true;
      return false;
    }
    this.#bytes += chars;
    return true;
  }

  #changed(): void {
    if (!this.#settled || this.#sendQueued) return;
    this.#sendQueued = true;
    this.#waitUntil(Promise.resolve().then(() => this.#send()));
  }

  #pending(): boolean {
    return this.#lines.length > 0 || this.#exceptions.length > 0 || this.#truncated;
  }

  #take(): CapturedBatch {
    const batch = { lines: this.#lines, exceptions: this.#exceptions, truncated: this.#truncated, calls: this.#calls, oversized: this.#oversized };
    this.#lines = [];
    this.#exceptions = [];
    this.#truncated = false;
    this.#calls = 0;
    this.#oversized = 0;
    return batch;
  }

  #send(): void {
    this.#sendQueued = false;
    if (!this.#pending()) return;
    // The runner may be gone (its process restarting): the lines are lost, the tenant's call is not.
    this.#waitUntil(this.#sink.capture(this.#token, this.#take()).catch(() => {}));
  }
}

/** The capture for a handler call the platform sampled (`ctx.props.log`), or null. */
export function captureFor(ctx: unknown, sink: unknown, token: string | undefined): LogCapture | null {
  const context = ctx as { props?: { log?: unknown }; waitUntil?: (promise: Promise<unknown>) => void } | null | undefined;
  if (context?.props?.log !== true || token === undefined || typeof context.waitUntil !== "function" || !sink) return null;
  return new LogCapture(sink as LogSinkRunner, token, context.waitUntil.bind(context));
}

/**
 * Replaces console's logging methods: inside an invocation, a sampled one's lines are captured and
 * an unsampled one's dropped; outside any (the top level), the console prints as before.
 */
export function captureConsole(target: Console): void {
  for (const level of LEVELS) {
    const original = target[level].bind(target);
    target[level] = (...args: unknown[]) => {
      const context = currentInvocation();
      if (context === undefined) return original(...args);
      context.capture?.line(level, args);
    };
  }
}

/** Errors nothing caught (a rejected promise, an `error` event) count as the invocation's exceptions. */
export function captureUncaught(target: { addEventListener(type: string, listener: (event: Event) => void): void }): void {
  target.addEventListener("unhandledrejection", (event) => currentInvocation()?.capture?.exception((event as PromiseRejectionEvent).reason));
  target.addEventListener("error", (event) => currentInvocation()?.capture?.exception((event as ErrorEvent).error));
}

/** console.log's arguments as one string, as a console would join them (runner/logs/events.ts formats the same). */
function formatArguments(args: unknown[]): string {
  return args.map(formatted).join(" ");
}

/** JSON with every character past ASCII escaped: a header value must be bytes (JSON.stringify escapes control characters already). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function formatted(part: unknown): string {
  if (typeof part === "string") return part;
  try {
    return JSON.stringify(part) ?? String(part);
  } catch {
    return String(part);
  }
}
