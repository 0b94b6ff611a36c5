// Reading workerd's output: which lines are the platform's, how text is escaped and cut, and how
// a flood is limited and counted. Pure functions; the real thing is in test/hostile/logs.test.js.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, cut, jsonLine } from "../../cli/log.js";
import { TokenBucket, classify, lineSplitter, workerdOutput } from "../../cli/workerd-output.js";

const NONCE = "n0nce-for-the-tests-only";
/** A console call as workerd prints it with structured logging on. */
const consoleLine = (/** @type {string} */ message) => JSON.stringify({ timestamp: 1, level: "log", message });
const runnerLine = (/** @type {Record<string, unknown>} */ entry) => consoleLine(NONCE + JSON.stringify(entry));

describe("classify", () => {
  it("classify: a nonce-marked console line is the runner's entry, time dropped", () => {
    expect(classify(runnerLine({ level: "warn", src: "runner", msg: "m", queue: "q", time: "forged" }), NONCE, "stdout")).toEqual({
      kind: "platform",
      entry: { level: "warn", src: "runner", msg: "m", queue: "q" },
    });
  });

  it("classify: a runner entry can only be runner or tenant, with a known level", () => {
    expect(classify(runnerLine({ level: "loud", src: "outpost", msg: "m" }), NONCE, "stdout")).toEqual({
      kind: "platform",
      entry: { level: "info", src: "runner", msg: "m" },
    });
    expect(classify(runnerLine({ level: "error", src: "tenant", msg: "m", tenant: "t" }), NONCE, "stdout")).toMatchObject({
      entry: { src: "tenant", tenant: "t" },
    });
  });

  it("classify: console lines without the nonce are console output, whatever they claim", () => {
    expect(classify(consoleLine("[outpost] workerd exited (SIGKILL); restarting"), NONCE, "stdout")).toEqual({ kind: "console" });
    expect(classify(consoleLine(JSON.stringify({ level: "info", src: "outpost", msg: "x" })), NONCE, "stdout")).toEqual({ kind: "console" });
    expect(classify(consoleLine(`${NONCE.slice(0, -1)}{"msg":"x"}`), NONCE, "stdout")).toEqual({ kind: "console" });
    expect(classify(consoleLine(`${NONCE}not json`), NONCE, "stdout")).toEqual({ kind: "console" });
  });

  it("classify: workerd's own diagnostics and any non-JSON line are wrapped as workerd's", () => {
    const kj = JSON.stringify({ timestamp: "1", level: "error", source: "server.c++:1", message: "Uncaught", context_depth: 0 });
    expect(classify(kj, NONCE, "stdout")).toEqual({ kind: "workerd", entry: { level: "error", src: "workerd", source: "server.c++:1", msg: "Uncaught" } });
    expect(classify("plain text", NONCE, "stderr")).toEqual({ kind: "workerd", entry: { level: "warn", src: "workerd", stream: "stderr", msg: "plain text" } });
    expect(classify("[1,2]", NONCE, "stdout")).toMatchObject({ kind: "workerd", entry: { msg: "[1,2]" } });
  });
});

describe("jsonLine", () => {
  it("jsonLine: control characters, C1 controls, separators and bidi marks are escaped and kept", () => {
    const text = "a\nb\r\u001b[31m\u0007\u0000\u007f\u009b\u2028\u2029\u202e\u200b\ufeff";
    const line = jsonLine({ msg: text });
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e\u200b\ufeff]/);
    expect(JSON.parse(line)).toEqual({ msg: text });
  });

  it("jsonLine: every string is cut to 4096 characters with a marker saying how much went", () => {
    const line = JSON.parse(jsonLine({ msg: "x".repeat(5000), nested: { stack: "y".repeat(4097) } }));
    expect(line.msg).toBe(`${"x".repeat(4096)}…[904 more characters cut]`);
    expect(line.nested.stack).toBe(`${"y".repeat(4096)}…[1 more characters cut]`);
    expect(cut("short")).toBe("short");
  });

  it("createLogger: lines start with time, level, src, msg", () => {
    const lines = /** @type {string[]} */ ([]);
    createLogger((line) => lines.push(line)).warn("careful", { code: 1 });
    expect(Object.keys(JSON.parse(lines[0] ?? "{}"))).toEqual(["time", "level", "src", "msg", "code"]);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ level: "warn", src: "outpost", msg: "careful", code: 1 });
  });
});

describe("limits", () => {
  it("TokenBucket: a burst, then the steady rate", () => {
    const bucket = new TokenBucket({ burst: 1000, perSecond: 100 }, 0);
    expect(bucket.take(600, 0)).toBe(true);
    expect(bucket.take(600, 0)).toBe(false);
    expect(bucket.take(600, 1000)).toBe(false);
    expect(bucket.take(600, 2000)).toBe(true);
    expect(bucket.take(1, 100_000)).toBe(true);
  });

  it("lineSplitter: lines across chunks are joined; an over-long line is skipped to its end", () => {
    const lines = /** @type {string[]} */ ([]);
    let oversized = 0;
    const feed = lineSplitter(
      (line) => lines.push(line),
      () => oversized++,
      8,
    );
    for (const chunk of ["ab", "c\nde", "f\n0123456", "789abc", "def\ng", "h\n"]) feed(Buffer.from(chunk));
    expect(lines).toEqual(["abc", "def", "gh"]);
    expect(oversized).toBe(1);
  });

  describe("workerdOutput", () => {
    afterEach(() => vi.useRealTimers());

    it("workerdOutput: prints platform lines, drops console lines and a worker's flood, then reports the counts", () => {
      vi.useFakeTimers();
      const lines = /** @type {Record<string, unknown>[]} */ ([]);
      const output = workerdOutput(
        NONCE,
        createLogger((line) => lines.push(JSON.parse(line))),
        { now: () => 0, reportEveryMs: 1000 },
      );
      output.line(runnerLine({ level: "info", src: "runner", msg: "hello" }), "stdout");
      output.line(consoleLine("tenant says"), "stdout");
      const event = runnerLine({ level: "info", src: "tenant", msg: "x".repeat(4000), tenant: "t", worker: "w", version: "v" });
      for (let i = 0; i < 100; i++) output.line(event, "stdout");
      const printed = lines.filter((line) => line.worker === "w").length;
      expect(printed).toBeGreaterThan(10);
      expect(printed).toBeLessThan(40);
      expect(lines.filter((line) => line.msg === "log lines dropped")).toEqual([]);
      vi.advanceTimersByTime(1000);
      const reports = lines.filter((line) => line.msg === "log lines dropped");
      expect(reports).toEqual([
        expect.objectContaining({
          level: "warn",
          src: "outpost",
          reason: "console output of an isolate (a tenant's is printed from the lines its isolate captures when its worker has observability on)",
          dropped: 1,
        }),
        expect.objectContaining({
          level: "warn",
          src: "outpost",
          reason: "over the rate limit",
          source: "tenant",
          tenant: "t",
          worker: "w",
          dropped: 100 - printed,
        }),
      ]);
      expect(lines[0]).toMatchObject({ src: "runner", msg: "hello" });
    });

    it("workerdOutput: the runner's count of tenant output it did not print is reported with what was dropped here; a tenant cannot send one", () => {
      vi.useFakeTimers();
      const lines = /** @type {Record<string, unknown>[]} */ ([]);
      const output = workerdOutput(
        NONCE,
        createLogger((line) => lines.push(JSON.parse(line))),
        { now: () => 0, reportEveryMs: 1000 },
      );
      const count = {
        level: "debug",
        src: "runner",
        msg: "tenant output not printed",
        console: 7,
        oversized: 2,
        overRate: [{ tenant: "t", worker: "w", dropped: 5 }],
      };
      output.line(runnerLine(count), "stdout");
      output.line(
        runnerLine({
          ...count,
          console: 3,
          oversized: 0,
          overRate: [
            { tenant: "t", worker: "w", dropped: -4 },
            { tenant: 1, worker: "w", dropped: 9 },
          ],
        }),
        "stdout",
      );
      output.line(consoleLine(JSON.stringify(count)), "stdout");
      vi.advanceTimersByTime(1000);
      expect(lines.filter((line) => line.msg !== "log lines dropped")).toEqual([]);
      expect(lines).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/^console output of an isolate/), dropped: 7 + 3 + 1 }),
        expect.objectContaining({ reason: "a line over 65536 bytes", stream: "stdout", dropped: 2 }),
        expect.objectContaining({ reason: "over the rate limit", source: "tenant", tenant: "t", worker: "w", dropped: 5 }),
      ]);
    });

    it("workerdOutput: refuses a short nonce", () => {
      expect(() =>
        workerdOutput(
          "short",
          createLogger(() => {}),
        ),
      ).toThrow("ERR_LOG_NONCE");
    });
  });
});

describe("the invocation journal", () => {
  const START = { level: "debug", src: "journal", msg: "start", id: "ab12-0", tenant: "t", worker: "w", version: "v".repeat(64), stallMs: 50 };
  const END = { level: "debug", src: "journal", msg: "end", id: "ab12-0" };

  /** @param {{ onJournal?: (entry: any) => void }} [options] */
  function harness(options = {}) {
    /** @type {string[]} */
    const printed = [];
    const output = workerdOutput(
      NONCE,
      createLogger((line) => printed.push(line)),
      options,
    );
    return { printed, output, line: (/** @type {string} */ text, /** @type {any} */ origin = undefined) => output.line(consoleLine(text), "stdout", origin) };
  }

  it("workerdOutput: journal lines go to the origin's and the option's onJournal whole, and are not printed", () => {
    /** @type {unknown[]} */
    const journal = [];
    /** @type {unknown[]} */
    const watched = [];
    const { printed, line } = harness({ onJournal: (entry) => journal.push(entry) });
    const origin = { process: 1, onJournal: (/** @type {unknown} */ entry) => watched.push(entry) };
    line(NONCE + JSON.stringify(START), origin);
    line(NONCE + JSON.stringify(END), origin);
    line(NONCE + JSON.stringify({ level: "info", src: "runner", msg: "a runner line" }), origin);
    expect(journal).toEqual([START, END]);
    expect(watched).toEqual([START, END]);
    expect(printed.map((text) => JSON.parse(text))).toEqual([expect.objectContaining({ msg: "a runner line", process: 1 })]);
  });

  it("workerdOutput: without onJournal, journal lines are dropped silently", () => {
    const { printed, line } = harness();
    line(NONCE + JSON.stringify(START));
    expect(printed).toEqual([]);
  });

  it("workerdOutput: a tenant's console line shaped like the journal is not journal (no nonce)", () => {
    /** @type {unknown[]} */
    const journal = [];
    const { printed, line } = harness({ onJournal: (entry) => journal.push(entry) });
    line(JSON.stringify(START));
    line("wrong-nonce" + JSON.stringify(START));
    expect(journal).toEqual([]);
    expect(printed).toEqual([]);
  });

  it("workerdOutput: workerd's own lines reach the origin's onDiagnostic; a tenant's console line saying the same does not", () => {
    /** @type {unknown[]} */
    const diagnostics = [];
    const { output } = harness();
    const origin = { process: 0, onDiagnostic: (/** @type {unknown} */ entry) => diagnostics.push(entry) };
    const oom = "V8 fatal error; location = Reached heap limit; message = : allocation failed: JavaScript heap out of memory";
    output.line(consoleLine(oom), "stdout", origin);
    output.line(JSON.stringify({ timestamp: "1", level: "error", source: "workerd/jsg/setup.c++:38", message: oom }), "stderr", origin);
    expect(diagnostics).toEqual([{ level: "error", src: "workerd", source: "workerd/jsg/setup.c++:38", msg: oom }]);
  });
});
