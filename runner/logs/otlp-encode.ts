// Stored invocations as an OTLP/HTTP logs request in its JSON encoding
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding, ExportLogsServiceRequest):
// one resource per worker version, one record for the invocation's outcome and one for each of
// its console lines and exceptions. Attribute names follow OpenTelemetry's semantic conventions
// where they have one (http.*, url.path, client.address, exception.*). Pure, so unit-tested
// (test/unit/logs-otlp.test.ts).
import type { StoredInvocation } from "./invocation.ts";

type AnyValue = { stringValue: string } | { intValue: string };
type KeyValue = { key: string; value: AnyValue };

interface LogRecord {
  timeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: { stringValue: string };
  attributes: KeyValue[];
}

export interface ExportLogsRequest {
  resourceLogs: { resource: { attributes: KeyValue[] }; scopeLogs: { scope: { name: string }; logRecords: LogRecord[] }[] }[];
}

/** OpenTelemetry's severity numbers (the first of each range). */
const SEVERITY = { debug: [5, "DEBUG"], info: [9, "INFO"], warn: [13, "WARN"], error: [17, "ERROR"] } as const;

/** Records an invocation becomes: its outcome, its lines, its exceptions. */
export function recordCount(invocation: StoredInvocation): number {
  return 1 + invocation.logs.length + invocation.exceptions.length;
}

export function otlpLogs(invocations: readonly StoredInvocation[]): ExportLogsRequest {
  const byVersion = new Map<string, { resource: { attributes: KeyValue[] }; records: LogRecord[] }>();
  for (const invocation of invocations) {
    const key = `${invocation.tenant}\n${invocation.worker}\n${invocation.version}`;
    let group = byVersion.get(key);
    if (!group) {
      const resource = attributes({ "service.name": invocation.worker, "service.version": invocation.version, "outpost.tenant": invocation.tenant });
      byVersion.set(key, (group = { resource: { attributes: resource }, records: [] }));
    }
    group.records.push(...records(invocation));
  }
  return {
    resourceLogs: [...byVersion.values()].map(({ resource, records }) => ({ resource, scopeLogs: [{ scope: { name: "outpost" }, logRecords: records }] })),
  };
}

function records(invocation: StoredInvocation): LogRecord[] {
  const request = attributes({ "outpost.request_id": invocation.requestId, "outpost.trigger": invocation.trigger });
  const failed = invocation.outcome !== "ok" || (invocation.status ?? 0) >= 500;
  const outcome = record(invocation.atMs, failed ? "error" : "info", summary(invocation), [
    ...request,
    ...attributes({
      "outpost.outcome": invocation.outcome,
      "http.request.method": invocation.method,
      "url.path": invocation.path,
      "http.response.status_code": invocation.status,
      "client.address": invocation.clientIp,
      "outpost.duration_ms": invocation.durationMs,
      "outpost.cpu_ms": invocation.cpuMs,
      "outpost.cron": invocation.cron,
      "outpost.queue": invocation.queue,
      "outpost.dropped": invocation.dropped || null,
    }),
  ]);
  return [
    outcome,
    ...invocation.logs.map((line) => record(Date.parse(line.at), line.level, line.message, request)),
    ...invocation.exceptions.map((exception) =>
      record(Date.parse(exception.at), "error", `${exception.name}: ${exception.message}`, [
        ...request,
        ...attributes({ "exception.type": exception.name, "exception.message": exception.message, "exception.stacktrace": exception.stack || null }),
      ]),
    ),
  ];
}

/** `GET /path 200 (ok)`, `scheduled 0 * * * * (ok)`, `queue jobs (exception)`. */
function summary(invocation: StoredInvocation): string {
  const what =
    invocation.trigger === "fetch"
      ? `${invocation.method ?? ""} ${invocation.path ?? ""} ${invocation.status ?? ""}`.trim()
      : invocation.trigger === "scheduled"
        ? `scheduled ${invocation.cron ?? ""}`
        : invocation.trigger === "queue"
          ? `queue ${invocation.queue ?? ""}`
          : invocation.trigger;
  return `${what} (${invocation.outcome})`;
}

function record(ms: number, level: keyof typeof SEVERITY, body: string, attributes: KeyValue[]): LogRecord {
  const [severityNumber, severityText] = SEVERITY[level];
  return { timeUnixNano: nanos(ms), severityNumber, severityText, body: { stringValue: body }, attributes };
}

/** Epoch ms as the decimal nanoseconds OTLP/JSON carries (a string: past 2^53). */
function nanos(ms: number): string {
  return Number.isFinite(ms) ? (BigInt(Math.round(ms)) * 1_000_000n).toString() : "0";
}

/** Key-values, leaving out the nulls; whole numbers as intValue (a decimal string, as int64 in JSON). */
function attributes(values: Record<string, string | number | null>): KeyValue[] {
  return Object.entries(values).flatMap(([key, value]) =>
    value === null ? [] : [{ key, value: typeof value === "number" ? { intValue: String(Math.trunc(value)) } : { stringValue: value } }],
  );
}
