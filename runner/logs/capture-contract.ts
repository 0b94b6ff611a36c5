// What a tenant isolate's log capture (shims/log-capture.ts) hands the runner's LogSink
// (logs/sink.ts): both sides import this module. The batch comes from tenant code, so the sink
// reads it through parseCapturedBatch, never as is.

/** The env name of the sink's stub in a tenant isolate; the shims take it out of the env the worker sees. */
export const LOG_SINK_BINDING = "__outpost_log";

/** The header of a fetch's response that carries its capture to the dispatcher, which removes it. */
export const CAPTURE_HEADER = "x-outpost-log-capture";

export const CAPTURE_LIMITS = {
  /** Characters of lines and exceptions kept per invocation, as workerd keeps 256 KB of a tail event. */
  CHARS_PER_INVOCATION: 256 * 1024,
  /** A console line longer than this is counted as oversized (the supervisor drops such a raw line unread). */
  OVERSIZED_CHARS: 64 * 1024,
  /** Characters of a capture that may travel back in CAPTURE_HEADER; a larger one goes to the sink. */
  HEADER_CHARS: 16 * 1024,
} as const;

export interface CapturedLine {
  timestamp: number;
  level: string;
  message: string;
}

export interface CapturedException {
  timestamp: number;
  name: string;
  message: string;
  stack: string;
}

export interface CapturedBatch {
  lines: CapturedLine[];
  exceptions: CapturedException[];
  /** Whether the isolate cut some of the invocation's text (CHARS_PER_INVOCATION). */
  truncated: boolean;
  /** Console calls made since the last batch, and how many of them were oversized. */
  calls: number;
  oversized: number;
}

/** The sink's RPC method (named `capture`, not get/put/delete: see fetcher_no_get_put_delete). */
export interface LogSinkRunner {
  capture(token: string, batch: CapturedBatch): Promise<void>;
}

/** Entries read from one batch at most: an honest isolate sends far fewer (its text is bounded). */
const MAX_ENTRIES = 4096;
/** Counts believed per batch at most: they only feed the supervisor's report of unprinted lines. */
const MAX_COUNT = 1_000_000;

/** A batch as the sink may use it: unknown fields ignored, strings and numbers checked, arrays bounded. */
export function parseCapturedBatch(value: unknown): CapturedBatch | null {
  if (typeof value !== "object" || value === null) return null;
  const batch = value as Record<string, unknown>;
  if (!Array.isArray(batch.lines) || !Array.isArray(batch.exceptions)) return null;
  const lines: CapturedLine[] = [];
  for (const line of batch.lines.slice(0, MAX_ENTRIES) as unknown[]) {
    const { timestamp, level, message } = (line ?? {}) as Record<string, unknown>;
    if (typeof timestamp !== "number" || typeof level !== "string" || typeof message !== "string") return null;
    lines.push({ timestamp, level, message });
  }
  const exceptions: CapturedException[] = [];
  for (const exception of batch.exceptions.slice(0, MAX_ENTRIES) as unknown[]) {
    const { timestamp, name, message, stack } = (exception ?? {}) as Record<string, unknown>;
    if (typeof timestamp !== "number" || typeof name !== "string" || typeof message !== "string" || typeof stack !== "string") return null;
    exceptions.push({ timestamp, name, message, stack });
  }
  const cut = batch.lines.length + batch.exceptions.length > lines.length + exceptions.length;
  return { lines, exceptions, truncated: batch.truncated === true || cut, calls: count(batch.calls), oversized: count(batch.oversized) };
}

/** A capture that came back in CAPTURE_HEADER (JSON), read as parseCapturedBatch reads any. */
export function parseCapturedHeader(text: string): CapturedBatch | null {
  try {
    return parseCapturedBatch(JSON.parse(text));
  } catch {
    return null;
  }
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? Math.min(value, MAX_COUNT) : 0;
}
