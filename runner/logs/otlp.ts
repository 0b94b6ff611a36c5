// Optional export of stored invocations to an OpenTelemetry collector over OTLP/HTTP, JSON
// encoding (otlp-encode.ts), when OUTPOST_OTLP_LOGS_URL is set. It works like the log store's
// writer (store.ts) and beside it: the writer puts each row it writes in a bounded buffer in this
// process, and batches are POSTed from there, one at a time, each abandoned at TIMEOUT_MS. So a
// collector that is slow, down or refusing never holds up a request or the store: its batches are
// dropped, and so are invocations while the buffer is full: counted (otlpRecords, which
// runner/metrics reports as outpost_otlp_log_records_total), with at most one runner line per
// interval.
import type { StoredInvocation } from "./invocation.ts";
import { errorText, log } from "./log.ts";
import { otlpLogs, recordCount } from "./otlp-encode.ts";

export const OTLP_LIMITS = {
  /** Invocations waiting for export in one process at most; more are dropped. */
  MAX_BUFFERED: 5_000,
  /** Invocations sent in one request. */
  MAX_BATCH: 500,
  /** How long a batch gathers before it is sent, unless it is full. */
  GATHER_MS: 200,
  /** A request the collector has not answered by then is abandoned, its batch dropped. */
  TIMEOUT_MS: 2_000,
} as const;

/** An export older than this is taken for lost (its invocation context ended) and another may start. */
const STALE_EXPORT_MS = 2 * (OTLP_LIMITS.GATHER_MS + OTLP_LIMITS.TIMEOUT_MS);
const WARN_EVERY_MS = 10_000;

/** Log records this process sent to the collector, and dropped, since it started. */
export const otlpRecords = { exported: 0, dropped: 0 };

const waiting: StoredInvocation[] = [];
let exportingSince: number | null = null;
let droppedSinceWarning = 0;
let warnedAt = 0;

/** Takes an invocation for the next batch, or counts its records dropped when the buffer is full. */
export function exportLater(invocation: StoredInvocation): void {
  if (waiting.length < OTLP_LIMITS.MAX_BUFFERED) waiting.push(invocation);
  else dropped(recordCount(invocation), "the buffer is full");
}

/** Sends the buffer in batches until it is empty; returns at once when another call is sending. */
export async function exportPending(url: string): Promise<void> {
  const now = Date.now();
  if (exportingSince !== null && now - exportingSince < STALE_EXPORT_MS) return;
  exportingSince = now;
  try {
    while (waiting.length > 0) {
      if (waiting.length < OTLP_LIMITS.MAX_BATCH) await scheduler.wait(OTLP_LIMITS.GATHER_MS);
      exportingSince = Date.now();
      await send(url, waiting.splice(0, OTLP_LIMITS.MAX_BATCH));
    }
  } finally {
    exportingSince = null;
  }
}

async function send(url: string, batch: StoredInvocation[]): Promise<void> {
  const records = batch.reduce((sum, invocation) => sum + recordCount(invocation), 0);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(otlpLogs(batch)),
      signal: AbortSignal.timeout(OTLP_LIMITS.TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the collector answered HTTP ${response.status}`);
    otlpRecords.exported += records;
  } catch (error) {
    dropped(records, errorText(error));
  }
}

function dropped(records: number, why: string): void {
  otlpRecords.dropped += records;
  droppedSinceWarning += records;
  const now = Date.now();
  if (now - warnedAt < WARN_EVERY_MS) return;
  warnedAt = now;
  log.warn(`OTLP log export: ${droppedSinceWarning} log records dropped`, { dropped: droppedSinceWarning, why });
  droppedSinceWarning = 0;
}
