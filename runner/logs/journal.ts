// The invocation journal: what the supervisor must know when it kills a stalled or crashed
// process, namely which worker versions had calls in flight on it, and about how many calls.
// - `start` when a version's first call in flight begins, written before the runner hands that
//   call to the tenant's code; `end` when its last call in flight settles;
// - `count`, at most every COUNT_EVERY_MS while calls start and end: the calls in flight in all.
//   It is also the supervisor's sign of life from a process too busy to answer its probe quickly.
// Lines per version, not per call: under steady load a worker's calls overlap and almost no line
// is written, where a start and an end line per call cost about 40 µs of workerd's CPU and 20 µs
// of the supervisor's per request (docs/benchmarks.md). workerd writes console lines
// synchronously, so the versions with a start and no end that the supervisor read from a killed
// process are every version that had a call in flight: the suspects (docs/security.md, "Blame
// and suspension"). A tenant cannot forge these lines: they carry the log nonce.
import { toHex } from "../encoding.ts";
import { emit } from "./log.ts";

/** The worker version a call runs; `stallMs` is its `limits.cpu_ms`, omitted for the platform's default. */
export interface Invocation {
  tenant: string;
  worker: string;
  version: string;
  stallMs?: number;
}

export const COUNT_EVERY_MS = 50;

/** Versions with calls in flight: the id their `start` line gave them, and how many calls. */
const inFlight = new Map<string, { id: string; calls: number }>();
let calls = 0;
let countedAt = 0;
let prefix: string | undefined;
let counter = 0;

/** Unique per process: the isolate's random prefix (made lazily: no randomness at the top level) and a counter. */
function nextId(): string {
  prefix ??= toHex(crypto.getRandomValues(new Uint8Array(4)));
  return `${prefix}-${(counter++).toString(36)}`;
}

/** Runs `call` as an invocation of its version; the result or error passes through untouched. */
export async function journaled<T>(invocation: Invocation, call: () => Promise<T>): Promise<T> {
  let version = inFlight.get(invocation.version);
  if (!version) {
    version = { id: nextId(), calls: 0 };
    inFlight.set(invocation.version, version);
    emit({ level: "debug", src: "journal", msg: "start", id: version.id, ...invocation });
  }
  version.calls++;
  calls++;
  count();
  try {
    return await call();
  } finally {
    calls--;
    if (--version.calls === 0) {
      inFlight.delete(invocation.version);
      emit({ level: "debug", src: "journal", msg: "end", id: version.id });
    }
    count();
  }
}

/** Date.now() advances only with I/O in workerd, which is what a call starting or ending is. */
function count(): void {
  const now = Date.now();
  if (now - countedAt < COUNT_EVERY_MS) return;
  countedAt = now;
  emit({ level: "debug", src: "journal", msg: "count", calls });
}
