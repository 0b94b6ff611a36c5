// A tenant's console lines and exceptions, in the shape of a tail event → platform log entries:
// attributed, cut to size and capped per invocation. Pure, so the limits are unit-tested; the
// LogSink (sink.ts) and the load check's Tail (tail.ts) print what this returns.
import type { Level, LogEntry } from "./log.ts";

/** Characters of one message (or stack) kept; the rest is replaced by a marker saying how much. */
export const MAX_MESSAGE_CHARS = 4096;
/** Log and exception events printed per invocation; the others are counted in one last entry. */
export const MAX_EVENTS_PER_INVOCATION = 32;

/** Who ran: fixed in props the runner minted for the isolate (the LogSink's, the Tail's), never from tenant data. */
export interface Who {
  tenant: string;
  worker: string;
  version: string;
}

/** The deploy's load check prints its top-level output through a tail (logs/tail.ts). */
export type TailProps = Who;

/** The request header that carries the request id (the dispatcher sets it, as Cloudflare does). */
export const REQUEST_ID_HEADER = "cf-ray";
/** Cloudflare's header with the client's address, set by the runner on every public request (whatever the client sent). */
export const CLIENT_IP_HEADER = "cf-connecting-ip";

const LEVELS: Record<string, Level> = { debug: "debug", log: "info", info: "info", warn: "warn", error: "error" };

export function tenantEntries(item: TraceItem, who: Who): LogEntry[] {
  const base = { src: "tenant" as const, tenant: who.tenant, worker: who.worker, version: who.version, ...triggerOf(item.event) };
  const events: LogEntry[] = [
    ...item.logs.map((log) => ({ ...base, level: LEVELS[log.level] ?? "info", msg: cut(formatArguments(log.message)) })),
    ...item.exceptions.map((exception) => ({
      ...base,
      level: "error" as const,
      msg: cut(`Uncaught ${exception.name}: ${exception.message}`),
      stack: cut(exception.stack ?? ""),
    })),
  ];
  if (!["ok", "exception", "unknown"].includes(item.outcome)) events.push({ ...base, level: "error", msg: `The invocation ended: ${item.outcome}` });
  const kept = events.slice(0, MAX_EVENTS_PER_INVOCATION);
  const dropped = events.length - kept.length;
  if (dropped > 0 || item.truncated) {
    kept.push({
      ...base,
      src: "runner",
      level: "warn",
      msg: "log events of this invocation were dropped (limits: 256 KB per invocation in its isolate, then events per invocation)",
      dropped,
      truncated: item.truncated,
    });
  }
  return kept;
}

/** console.log's arguments as one string, as a console would join them. */
export function formatArguments(message: unknown): string {
  const parts = Array.isArray(message) ? message : [message];
  return parts.map((part) => (typeof part === "string" ? part : (JSON.stringify(part) ?? String(part)))).join(" ");
}

export function cut(text: string, max = MAX_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more characters cut]`;
}

function triggerOf(event: TraceItem["event"]): Record<string, string> {
  if (event === null) return {};
  if ("request" in event) {
    const requestId = event.request.headers[REQUEST_ID_HEADER];
    return requestId === undefined ? { trigger: "fetch" } : { trigger: "fetch", requestId };
  }
  if ("cron" in event) return { trigger: "scheduled", cron: event.cron };
  if ("queue" in event) return { trigger: "queue", queue: event.queue };
  return {};
}
