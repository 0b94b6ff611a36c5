import { describe, expect, it } from "vitest";
import { MAX_EVENTS_PER_INVOCATION } from "../../runner/logs/events.ts";
import { loggedBytes, storable, storedInvocation, withoutLines } from "../../runner/logs/invocation.ts";

const WHO = { tenant: "acme", worker: "api", version: "v1", stored: true };

/** A tail event as workerd hands it to the Tail entrypoint (only the fields storedInvocation reads). */
function item(fields: Partial<Record<keyof TraceItem, unknown>>): TraceItem {
  const request = { url: "http://api.localhost/a/b?q=1", method: "POST", headers: { "cf-ray": "00112233aabbccdd", "cf-connecting-ip": "203.0.113.7" }, cf: {} };
  return {
    outcome: "ok",
    eventTimestamp: 1_000,
    wallTime: 12.4,
    cpuTime: 3,
    truncated: false,
    logs: [],
    exceptions: [],
    event: { request, response: { status: 201 } },
    ...fields,
  } as unknown as TraceItem;
}
const log = (message: unknown[], level = "log") => ({ message, level, timestamp: 1_001 });

describe("storedInvocation", () => {
  it("storedInvocation: a fetch with its method, path and query, status, request id, client address, times and lines", () => {
    expect(storedInvocation(item({ logs: [log(["hi", { a: 1 }])] }), WHO, 5_000)).toEqual({
      tenant: "acme",
      worker: "api",
      version: "v1",
      atMs: 1_000,
      trigger: "fetch",
      outcome: "ok",
      method: "POST",
      path: "/a/b?q=1",
      status: 201,
      durationMs: 12,
      cpuMs: 3,
      requestId: "00112233aabbccdd",
      clientIp: "203.0.113.7",
      headers: { "cf-ray": "00112233aabbccdd", "cf-connecting-ip": "203.0.113.7" },
      cron: null,
      queue: null,
      levelRank: 2,
      logs: [{ at: "1970-01-01T00:00:01.001Z", level: "info", message: 'hi {"a":1}' }],
      exceptions: [],
      dropped: 0,
    });
  });

  it("storedInvocation: request headers in lower case, bounded; credentials and the platform's own are left out", () => {
    const headers = {
      Authorization: "Bearer secret",
      cookie: "session=1",
      "proxy-authorization": "Basic x",
      "x-outpost-forward": "secret",
      "X-Trace": "abc",
      long: "v".repeat(300),
      ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`h${i}`, "\u0000"])),
    };
    const event = { request: { url: "http://a/", method: "GET", headers } };
    const stored = storedInvocation(item({ event }), WHO, 0)!.headers!;
    expect(Object.keys(stored)).toHaveLength(32);
    expect(stored["x-trace"]).toBe("abc");
    expect(stored.long).toBe(`${"v".repeat(256)}…[44 more characters cut]`);
    expect(stored.h0).toBe("\uFFFD");
    expect(Object.keys(stored).filter((name) => /authorization|cookie|outpost/i.test(name))).toEqual([]);
  });

  it("storedInvocation: an exception ranks as error; a thrown fetch has no status", () => {
    const exception = { name: "TypeError", message: "x is undefined", stack: "at f", timestamp: 1_002 };
    const event = { request: { url: "http://a/", method: "GET", headers: {} } };
    const stored = storedInvocation(item({ outcome: "exception", event, exceptions: [exception] }), WHO, 0);
    expect(stored).toMatchObject({ outcome: "exception", status: null, requestId: null, levelRank: 4 });
    expect(stored?.exceptions).toEqual([{ at: "1970-01-01T00:00:01.002Z", name: "TypeError", message: "x is undefined", stack: "at f" }]);
  });

  it("storedInvocation: scheduled and queue invocations name their cron and queue; other events are not stored", () => {
    expect(storedInvocation(item({ event: { cron: "* * * * *", scheduledTime: 1 } }), WHO, 0)).toMatchObject({
      trigger: "scheduled",
      cron: "* * * * *",
      method: null,
    });
    expect(storedInvocation(item({ event: { queue: "jobs", batchSize: 1 } }), WHO, 0)).toMatchObject({ trigger: "queue", queue: "jobs" });
    expect(storedInvocation(item({ event: { rpcMethod: "warm" } }), WHO, 0)).toBe(null);
  });

  it("storedInvocation: past 32 lines and exceptions the rest are counted, exceptions kept first", () => {
    const exception = { name: "Error", message: "boom", stack: "", timestamp: 1 };
    const stored = storedInvocation(item({ logs: Array.from({ length: 40 }, (_, i) => log([`line ${i}`], "debug")), exceptions: [exception] }), WHO, 0);
    expect(stored?.exceptions).toHaveLength(1);
    expect(stored?.logs).toHaveLength(MAX_EVENTS_PER_INVOCATION - 1);
    expect(stored?.dropped).toBe(41 - MAX_EVENTS_PER_INVOCATION);
  });

  it("withoutLines: the outcome stays, every line is counted dropped", () => {
    const stored = storedInvocation(item({ logs: [log(["a"]), log(["b"], "warn")] }), WHO, 0)!;
    expect(loggedBytes(stored)).toBeGreaterThan(0);
    expect(withoutLines(stored)).toMatchObject({ outcome: "ok", status: 201, logs: [], exceptions: [], levelRank: 0, dropped: 2 });
  });
});

describe("storable", () => {
  it("storable: NUL and lone surrogate halves become U+FFFD; pairs, escapes and newlines stay; long text is cut", () => {
    expect(storable("a\u0000b\ud800c\udfffd😀\u001b[2J\n")).toBe("a\uFFFDb\uFFFDc\uFFFDd😀\u001b[2J\n");
    expect(storable("x".repeat(5000))).toBe(`${"x".repeat(4096)}…[904 more characters cut]`);
  });
});
