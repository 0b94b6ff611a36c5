// The invocation journal: a `start` line right before the runner hands a request or event to a
// tenant's code, an `end` line once that call settles. workerd writes console lines to its stdout
// synchronously, so when the supervisor kills a stalled or crashed process, the starts without an
// end it read from that process name every invocation that was in flight: the suspects
// (docs/security.md, "Blame and suspension"). A tenant cannot forge these lines: they carry the log nonce.
import { toHex } from "../encoding.ts";
import { emit } from "./log.ts";

/** The worker version a call runs; `stallMs` is its `limits.cpu_ms`, omitted for the platform's default. */
export interface Invocation {
  tenant: string;
  worker: string;
  version: string;
  stallMs?: number;
}

let prefix: string | undefined;
let counter = 0;

/** Unique per process: the isolate's random prefix (made lazily: no randomness at the top level) and a counter. */
function nextId(): string {
  prefix ??= toHex(crypto.getRandomValues(new Uint8Array(4)));
  return `${prefix}-${(counter++).toString(36)}`;
}

/** Runs `call` between a `start` and an `end` line; the result or error passes through untouched. */
export async function journaled<T>(invocation: Invocation, call: () => Promise<T>): Promise<T> {
  const id = nextId();
  emit({ level: "debug", src: "journal", msg: "start", id, ...invocation });
  try {
    return await call();
  } finally {
    emit({ level: "debug", src: "journal", msg: "end", id });
  }
}
