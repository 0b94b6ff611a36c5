import { describe, expect, it } from "vitest";
import { CAPTURE_HEADER, CAPTURE_LIMITS, type CapturedBatch, parseCapturedBatch, parseCapturedHeader } from "../../runner/logs/capture-contract.ts";
import { PrintRate, TENANT_PRINT_BUDGET } from "../../runner/logs/print-rate.ts";
import { LogCapture, captureFor } from "../../shims/log-capture.ts";

/** A sink that records each batch it is handed, and a ctx whose waitUntil promises can be awaited. */
function harness() {
  const batches: CapturedBatch[] = [];
  const pending: Promise<unknown>[] = [];
  const sink = {
    capture: async (token: string, batch: CapturedBatch) => {
      expect(token).toBe("tok-1");
      batches.push(batch);
    },
  };
  const capture = new LogCapture(sink, "tok-1", (promise) => pending.push(promise));
  const settle = async () => {
    while (pending.length > 0) await pending.shift();
  };
  return { batches, capture, settle };
}

describe("parseCapturedBatch", () => {
  const line = { timestamp: 1, level: "log", message: "hi" };

  it("parseCapturedBatch: lines and exceptions kept, unknown fields (a claimed tenant) ignored, counts clamped", () => {
    const batch = {
      lines: [{ ...line, tenant: "alice" }],
      exceptions: [{ timestamp: 2, name: "E", message: "m", stack: "s" }],
      tenant: "alice",
      calls: 1e12,
      oversized: -1,
    };
    expect(parseCapturedBatch(batch)).toEqual({
      lines: [line],
      exceptions: [{ timestamp: 2, name: "E", message: "m", stack: "s" }],
      truncated: false,
      calls: 1_000_000,
      oversized: 0,
    });
  });

  it("parseCapturedBatch: anything malformed is refused whole", () => {
    for (const bad of [null, "x", { lines: [] }, { lines: [{ ...line, message: 1 }], exceptions: [] }, { lines: [], exceptions: [{ timestamp: 1 }] }]) {
      expect(parseCapturedBatch(bad)).toBe(null);
    }
  });

  it("parseCapturedBatch: at most 4096 lines are read, and the batch then says it was cut", () => {
    const parsed = parseCapturedBatch({ lines: Array(5000).fill(line), exceptions: [] });
    expect(parsed?.lines).toHaveLength(4096);
    expect(parsed?.truncated).toBe(true);
  });

  it("parseCapturedHeader: JSON that is not a batch, or not JSON, is null", () => {
    expect(parseCapturedHeader("{not json")).toBe(null);
    expect(parseCapturedHeader("[]")).toBe(null);
    expect(parseCapturedHeader(JSON.stringify({ lines: [line], exceptions: [] }))?.lines).toEqual([line]);
  });
});

describe("PrintRate", () => {
  it("PrintRate: a worker's burst, then its steady rate; small entries cost 256 bytes; workers apart", () => {
    const rate = new PrintRate();
    let printed = 0;
    while (rate.take("t/w", 10, 0)) printed++;
    expect(printed).toBe(TENANT_PRINT_BUDGET.burst / 256);
    expect(rate.take("t/w", 10, 0)).toBe(false);
    expect(rate.take("t/other", 10, 0)).toBe(true);
    expect(rate.take("t/w", 256, 1000 / (TENANT_PRINT_BUDGET.perSecond / 256))).toBe(true);
  });
});

describe("LogCapture", () => {
  it("LogCapture: a fetch's lines travel back in the response's header as ASCII JSON; nothing goes to the sink", async () => {
    const { batches, capture, settle } = harness();
    capture.line("log", ["héllo", { a: 1 }]);
    capture.line("warn", ["line\nbreak\u0000"]);
    const response = capture.settled(new Response("ok")) as Response;
    await settle();
    expect(batches).toEqual([]);
    const header = response.headers.get(CAPTURE_HEADER) ?? "";
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(parseCapturedHeader(header)).toMatchObject({
      lines: [
        { level: "log", message: 'héllo {"a":1}' },
        { level: "warn", message: "line\nbreak\u0000" },
      ],
      calls: 2,
    });
    expect(await response.text()).toBe("ok");
  });

  it("LogCapture: an immutable response is copied; an exception, a non-Response result and late lines go to the sink", async () => {
    const { batches, capture, settle } = harness();
    capture.line("log", ["early"]);
    const redirect = capture.settled(Response.redirect("https://example.com/", 302)) as Response;
    expect(redirect.status).toBe(302);
    expect(parseCapturedHeader(redirect.headers.get(CAPTURE_HEADER) ?? "")?.lines).toHaveLength(1);
    capture.line("log", ["late 1"]);
    capture.line("log", ["late 2"]);
    await settle();
    expect(batches.map((batch) => batch.lines.map((line) => line.message))).toEqual([["late 1", "late 2"]]);

    const other = harness();
    other.capture.exception(new TypeError("boom"));
    expect(other.capture.settled(undefined)).toBe(undefined);
    await other.settle();
    expect(other.batches).toEqual([expect.objectContaining({ exceptions: [expect.objectContaining({ name: "TypeError", message: "boom" })] })]);
  });

  it("LogCapture: past 256 KB of text an invocation's lines are cut and counted; oversized lines are counted", async () => {
    const { batches, capture, settle } = harness();
    const big = "x".repeat(CAPTURE_LIMITS.OVERSIZED_CHARS + 1);
    for (let i = 0; i < 5; i++) capture.line("log", [big]);
    capture.settled(undefined);
    await settle();
    expect(batches).toEqual([expect.objectContaining({ truncated: true, calls: 5, oversized: 5 })]);
    expect(batches[0]?.lines).toHaveLength(3);
  });

  it("captureFor: only a call the platform sampled (props.log true) with a token and a sink is captured", () => {
    const sink = { capture: async () => {} };
    const ctx = (props: unknown) => ({ props, waitUntil: () => {} });
    expect(captureFor(ctx({ invocation: "t", log: true }), sink, "t")).toBeInstanceOf(LogCapture);
    expect(captureFor(ctx({ invocation: "t" }), sink, "t")).toBe(null);
    expect(captureFor(ctx({ invocation: "t", log: "yes" }), sink, "t")).toBe(null);
    expect(captureFor(ctx({ log: true }), sink, undefined)).toBe(null);
    expect(captureFor(ctx({ invocation: "t", log: true }), undefined, "t")).toBe(null);
  });
});
