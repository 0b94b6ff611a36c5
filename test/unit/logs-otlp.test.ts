import { describe, expect, it } from "vitest";
import type { StoredInvocation } from "../../runner/logs/invocation.ts";
import { otlpLogs, recordCount } from "../../runner/logs/otlp-encode.ts";

function invocation(fields: Partial<StoredInvocation> = {}): StoredInvocation {
  return {
    tenant: "acme",
    worker: "api",
    version: "v1",
    atMs: 1_700_000_000_123,
    trigger: "fetch",
    outcome: "ok",
    method: "GET",
    path: "/a?b=1",
    status: 200,
    durationMs: 12,
    cpuMs: 3,
    requestId: "00112233aabbccdd",
    clientIp: "203.0.113.7",
    headers: { accept: "*/*" },
    cron: null,
    queue: null,
    levelRank: 2,
    logs: [],
    exceptions: [],
    dropped: 0,
    ...fields,
  };
}

const string = (value: string) => ({ stringValue: value });

describe("otlpLogs", () => {
  it("otlpLogs: a fetch becomes a record of its outcome with OpenTelemetry's http attributes, under a resource naming the worker version", () => {
    expect(otlpLogs([invocation()])).toEqual({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: "service.name", value: string("api") },
              { key: "service.version", value: string("v1") },
              { key: "outpost.tenant", value: string("acme") },
            ],
          },
          scopeLogs: [
            {
              scope: { name: "outpost" },
              logRecords: [
                {
                  timeUnixNano: "1700000000123000000",
                  severityNumber: 9,
                  severityText: "INFO",
                  body: string("GET /a?b=1 200 (ok)"),
                  attributes: [
                    { key: "outpost.request_id", value: string("00112233aabbccdd") },
                    { key: "outpost.trigger", value: string("fetch") },
                    { key: "outpost.outcome", value: string("ok") },
                    { key: "http.request.method", value: string("GET") },
                    { key: "url.path", value: string("/a?b=1") },
                    { key: "http.response.status_code", value: { intValue: "200" } },
                    { key: "client.address", value: string("203.0.113.7") },
                    { key: "outpost.duration_ms", value: { intValue: "12" } },
                    { key: "outpost.cpu_ms", value: { intValue: "3" } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it("otlpLogs: console lines and exceptions become records of their own, at their level, with the invocation's request id", () => {
    const logged = invocation({
      outcome: "exception",
      status: null,
      logs: [
        { at: "2023-11-14T22:13:20.200Z", level: "warn", message: "careful" },
        { at: "2023-11-14T22:13:20.300Z", level: "debug", message: "detail" },
      ],
      exceptions: [{ at: "2023-11-14T22:13:20.400Z", name: "TypeError", message: "x is undefined", stack: "TypeError: x is undefined\n    at f" }],
    });
    const [outcome, warn, debug, exception] = otlpLogs([logged]).resourceLogs[0]?.scopeLogs[0]?.logRecords ?? [];
    expect(recordCount(logged)).toBe(4);
    expect([outcome?.severityText, outcome?.body]).toEqual(["ERROR", string("GET /a?b=1 (exception)")]);
    expect(warn).toEqual({
      timeUnixNano: "1700000000200000000",
      severityNumber: 13,
      severityText: "WARN",
      body: string("careful"),
      attributes: [
        { key: "outpost.request_id", value: string("00112233aabbccdd") },
        { key: "outpost.trigger", value: string("fetch") },
      ],
    });
    expect([debug?.severityNumber, debug?.body]).toEqual([5, string("detail")]);
    expect(exception).toMatchObject({ severityNumber: 17, body: string("TypeError: x is undefined") });
    expect(exception?.attributes.slice(2)).toEqual([
      { key: "exception.type", value: string("TypeError") },
      { key: "exception.message", value: string("x is undefined") },
      { key: "exception.stacktrace", value: string("TypeError: x is undefined\n    at f") },
    ]);
  });

  it("otlpLogs: invocations of one version share a resource; cron, queue and a 5xx are told apart", () => {
    const request = otlpLogs([
      invocation({ trigger: "scheduled", method: null, path: null, status: null, requestId: null, clientIp: null, cron: "0 * * * *" }),
      invocation({ status: 503 }),
      invocation({ version: "v2", trigger: "queue", method: null, path: null, status: null, requestId: null, clientIp: null, queue: "jobs", dropped: 3 }),
    ]);
    expect(request.resourceLogs.map((resource) => resource.scopeLogs[0]?.logRecords.map((record) => [record.severityText, record.body.stringValue]))).toEqual([
      [
        ["INFO", "scheduled 0 * * * * (ok)"],
        ["ERROR", "GET /a?b=1 503 (ok)"],
      ],
      [["INFO", "queue jobs (ok)"]],
    ]);
    const queued = request.resourceLogs[1]?.scopeLogs[0]?.logRecords[0]?.attributes;
    expect(queued).toContainEqual({ key: "outpost.queue", value: string("jobs") });
    expect(queued).toContainEqual({ key: "outpost.dropped", value: { intValue: "3" } });
  });
});
