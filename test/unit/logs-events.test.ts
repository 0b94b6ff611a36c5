import { describe, expect, it } from "vitest";
import { MAX_EVENTS_PER_INVOCATION, MAX_MESSAGE_CHARS, formatArguments, tenantEntries } from "../../runner/logs/events.ts";

const WHO = { tenant: "acme", worker: "api", version: "v1", stored: true };

/** A tail event as workerd hands it to the Tail entrypoint (only the fields tenantEntries reads). */
function item(fields: Partial<Record<keyof TraceItem, unknown>>): TraceItem {
  const request = { url: "http://api.localhost/", method: "GET", headers: { "cf-ray": "00112233aabbccdd", "x-evil": "1" }, cf: {} };
  return { outcome: "ok", truncated: false, logs: [], exceptions: [], event: { request, response: { status: 200 } }, ...fields } as unknown as TraceItem;
}
const log = (message: unknown[], level = "log") => ({ message, level, timestamp: 1 });

describe("tenantEntries", () => {
  it("tenantEntries: each console call is one entry attributed from props, with the request id", () => {
    expect(tenantEntries(item({ logs: [log(["hi", { a: 1 }, 2]), log(["oops"], "error")] }), WHO)).toEqual([
      { src: "tenant", tenant: "acme", worker: "api", version: "v1", trigger: "fetch", requestId: "00112233aabbccdd", level: "info", msg: 'hi {"a":1} 2' },
      { src: "tenant", tenant: "acme", worker: "api", version: "v1", trigger: "fetch", requestId: "00112233aabbccdd", level: "error", msg: "oops" },
    ]);
  });

  it("tenantEntries: attribution fields in the tenant's text change nothing", () => {
    const [entry] = tenantEntries(item({ logs: [log([{ tenant: "other", worker: "victim", src: "runner" }])] }), WHO);
    expect(entry).toMatchObject({ src: "tenant", tenant: "acme", worker: "api", msg: '{"tenant":"other","worker":"victim","src":"runner"}' });
  });

  it("tenantEntries: an uncaught exception is an error entry with its stack; a limit outcome is reported", () => {
    const exception = { name: "TypeError", message: "bad", stack: "    at fetch (a.js:1:1)", timestamp: 1 };
    expect(tenantEntries(item({ outcome: "exception", exceptions: [exception] }), WHO)).toEqual([
      expect.objectContaining({ level: "error", msg: "Uncaught TypeError: bad", stack: "    at fetch (a.js:1:1)" }),
    ]);
    expect(tenantEntries(item({ outcome: "exceededCpu" }), WHO)).toEqual([
      expect.objectContaining({ level: "error", msg: "The invocation ended: exceededCpu" }),
    ]);
  });

  it("tenantEntries: scheduled and queue invocations say so instead of a request id", () => {
    expect(tenantEntries(item({ event: { cron: "* * * * *", scheduledTime: 1 }, logs: [log(["a"])] }), WHO)[0]).toMatchObject({
      trigger: "scheduled",
      cron: "* * * * *",
    });
    expect(tenantEntries(item({ event: { queue: "jobs", batchSize: 1 }, logs: [log(["a"])] }), WHO)[0]).toMatchObject({ trigger: "queue", queue: "jobs" });
  });

  it("tenantEntries: a message is cut to 4096 characters with a marker; unknown levels are info", () => {
    const [entry] = tenantEntries(item({ logs: [log(["z".repeat(MAX_MESSAGE_CHARS + 10)], "trace")] }), WHO);
    expect(entry?.msg).toBe(`${"z".repeat(MAX_MESSAGE_CHARS)}…[10 more characters cut]`);
    expect(entry?.level).toBe("info");
  });

  it("tenantEntries: past 32 events per invocation the rest are counted in one runner entry", () => {
    const entries = tenantEntries(item({ logs: Array.from({ length: 40 }, (_, i) => log([`line ${i}`])), truncated: true }), WHO);
    expect(entries).toHaveLength(MAX_EVENTS_PER_INVOCATION + 1);
    expect(entries.at(-1)).toMatchObject({ src: "runner", level: "warn", tenant: "acme", worker: "api", dropped: 8, truncated: true });
  });
});

describe("formatArguments", () => {
  it("formatArguments: strings as they are, other values as JSON, joined by spaces", () => {
    expect(formatArguments(["a\nb", 1, null, [true]])).toBe("a\nb 1 null [true]");
    expect(formatArguments("lone")).toBe("lone");
  });
});
