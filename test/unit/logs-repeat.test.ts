import { afterEach, expect, it, vi } from "vitest";
import { REPEAT_INTERVAL_MS, type LogEntry, writeOnce } from "../../runner/logs/log.ts";

/** What writeOnce printed, parsed (no nonce is set in the unit tier). */
function printed(spy: { mock: { calls: unknown[][] } }): LogEntry[] {
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as LogEntry);
}

afterEach(() => {
  vi.restoreAllMocks();
});

it("writeOnce: identical lines within the interval are written once; the next line after it carries their count", () => {
  const spy = vi.spyOn(console, "log").mockImplementation(() => {});
  // Far from any other test's clock: the remembered lines are module state.
  const start = 1e15;
  const line: LogEntry = { level: "error", src: "runner", msg: "repeat test: database failed", error: "refused" };
  for (let i = 0; i < 50; i++) writeOnce({ ...line, requestId: `r${i}` }, start + i);
  writeOnce({ level: "info", src: "runner", msg: "repeat test: another line" }, start + 100);
  expect(printed(spy).map((entry) => entry.msg)).toEqual(["repeat test: database failed", "repeat test: another line"]);

  writeOnce(line, start + REPEAT_INTERVAL_MS);
  expect(printed(spy).slice(2)).toEqual([{ ...line, msg: "repeat test: database failed (repeated 49 times)", requestId: "r0", repeated: 49 }, line]);
});

it("writeOnce: lines that differ in anything but the request id are each written", () => {
  const spy = vi.spyOn(console, "log").mockImplementation(() => {});
  const start = 2e15;
  writeOnce({ level: "error", src: "runner", msg: "repeat test: differ", tenant: "a" }, start);
  writeOnce({ level: "error", src: "runner", msg: "repeat test: differ", tenant: "b" }, start);
  writeOnce({ level: "warn", src: "runner", msg: "repeat test: differ", tenant: "a" }, start);
  expect(printed(spy)).toHaveLength(3);
});
