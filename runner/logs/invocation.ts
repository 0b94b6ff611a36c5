// An invocation, in the shape of a tail event (logs/open.ts builds it) → the row stored for it
// (store.ts): attributed from what the runner minted, every tenant string cut to size and made
// storable, lines capped per invocation. Pure, so the bounds are unit-tested
// (test/unit/log-invocation.test.ts).
import { type Who, CLIENT_IP_HEADER, MAX_EVENTS_PER_INVOCATION, REQUEST_ID_HEADER, cut, formatArguments } from "./events.ts";

/** Characters of a stored path (query string included). */
const MAX_PATH_CHARS = 1024;
/** Request headers stored per invocation, and characters of each value. */
const MAX_HEADERS = 32;
const MAX_HEADER_CHARS = 256;
/** Never stored: credentials, and the platform's own forwarding headers. */
const UNSTORED_HEADER = /^(authorization|proxy-authorization|cookie|x-outpost-.*)$/;

export const LEVEL_RANKS = { debug: 1, info: 2, warn: 3, error: 4 } as const;
export type StoredLevel = keyof typeof LEVEL_RANKS;
const CONSOLE_LEVELS: Record<string, StoredLevel> = { debug: "debug", log: "info", info: "info", warn: "warn", error: "error" };

/** One invocation as stored: the columns of log_events (runner/db/migrations/0017_logs.sql). */
export interface StoredInvocation {
  tenant: string;
  worker: string;
  version: string;
  atMs: number;
  /** `other`: an invocation a killed process never reported (stored from the incident). */
  trigger: "fetch" | "scheduled" | "queue" | "other";
  outcome: string;
  method: string | null;
  path: string | null;
  status: number | null;
  durationMs: number | null;
  cpuMs: number | null;
  requestId: string | null;
  /** A fetch's client address: the CF-Connecting-IP the runner set (dispatch/dispatch.ts), never the client's claim. */
  clientIp: string | null;
  /** A fetch's request headers, bounded; credentials and the platform's own headers are left out. */
  headers: Record<string, string> | null;
  cron: string | null;
  queue: string | null;
  levelRank: number;
  logs: { at: string; level: StoredLevel; message: string }[];
  exceptions: { at: string; name: string; message: string; stack: string }[];
  dropped: number;
}

/** The row for a fetch, scheduled or queue invocation; null for others (the platform's warm-up call, RPC). */
export function storedInvocation(item: TraceItem, who: Who, now: number): StoredInvocation | null {
  const trigger = triggerOf(item.event);
  if (trigger === null) return null;
  const logs = item.logs.map((log) => ({
    at: isoTime(log.timestamp),
    level: CONSOLE_LEVELS[log.level] ?? "info",
    message: storable(formatArguments(log.message)),
  }));
  const exceptions = item.exceptions.map((exception) => ({
    at: isoTime(exception.timestamp),
    name: storable(cut(exception.name, 256)),
    message: storable(exception.message),
    stack: storable(exception.stack ?? ""),
  }));
  const keptExceptions = exceptions.slice(0, MAX_EVENTS_PER_INVOCATION);
  const keptLogs = logs.slice(0, MAX_EVENTS_PER_INVOCATION - keptExceptions.length);
  const ranks = [...keptLogs.map((log) => LEVEL_RANKS[log.level]), ...(keptExceptions.length > 0 ? [LEVEL_RANKS.error] : [])];
  return {
    tenant: who.tenant,
    worker: who.worker,
    version: who.version,
    atMs: item.eventTimestamp ?? now,
    ...trigger,
    outcome: item.outcome,
    durationMs: Number.isFinite(item.wallTime) ? Math.round(item.wallTime) : null,
    cpuMs: Number.isFinite(item.cpuTime) ? Math.round(item.cpuTime) : null,
    levelRank: Math.max(0, ...ranks),
    logs: keptLogs,
    exceptions: keptExceptions,
    dropped: logs.length + exceptions.length - keptLogs.length - keptExceptions.length,
  };
}

/** Bytes an invocation counts against the tenant's log quota: its lines and exceptions. */
export function loggedBytes(invocation: StoredInvocation): number {
  return JSON.stringify(invocation.logs).length + JSON.stringify(invocation.exceptions).length;
}

/** The invocation without its lines: what is kept of it once the tenant is over its log quota. */
export function withoutLines(invocation: StoredInvocation): StoredInvocation {
  const dropped = invocation.dropped + invocation.logs.length + invocation.exceptions.length;
  return { ...invocation, logs: [], exceptions: [], levelRank: 0, dropped };
}

/** Cut to size, NUL and lone surrogate halves replaced: Postgres refuses both in jsonb. */
export function storable(text: string): string {
  const kept = cut(text);
  // Most text has no NUL and no surrogate at all: one quick scan, then no rewrite.
  return MAYBE_UNSTORABLE.test(kept) ? kept.replace(/[\u0000\p{Cs}]/gu, "\uFFFD") : kept;
}

const MAYBE_UNSTORABLE = /[\u0000\uD800-\uDFFF]/;

type Trigger = Pick<StoredInvocation, "trigger" | "method" | "path" | "status" | "requestId" | "clientIp" | "headers" | "cron" | "queue">;

function triggerOf(event: TraceItem["event"]): Trigger | null {
  const none = { method: null, path: null, status: null, requestId: null, clientIp: null, headers: null, cron: null, queue: null };
  if (event !== null && "request" in event) {
    const url = parsedUrl(event.request.url);
    const requestId = event.request.headers[REQUEST_ID_HEADER];
    const clientIp = event.request.headers[CLIENT_IP_HEADER];
    return {
      ...none,
      trigger: "fetch",
      method: storable(cut(event.request.method, 16)),
      path: url === null ? null : storable(cut(url.pathname + url.search, MAX_PATH_CHARS)),
      status: event.response?.status ?? null,
      requestId: requestId === undefined ? null : storable(cut(requestId, 64)),
      clientIp: clientIp === undefined ? null : storable(cut(clientIp, 64)),
      headers: storedHeaders(event.request.headers),
    };
  }
  if (event !== null && "cron" in event) return { ...none, trigger: "scheduled", cron: storable(cut(event.cron, 256)) };
  if (event !== null && "queue" in event) return { ...none, trigger: "queue", queue: storable(cut(event.queue, 256)) };
  return null;
}

function parsedUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** A line's time as the API shows it (a timestamp out of Date's range would throw). */
function isoTime(ms: number): string {
  return new Date(Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? ms : 0).toISOString();
}

function storedHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (UNSTORED_HEADER.test(lower)) continue;
    kept[storable(cut(lower, MAX_HEADER_CHARS))] = storable(cut(headers[name]!, MAX_HEADER_CHARS));
    if (++count === MAX_HEADERS) break;
  }
  return kept;
}
