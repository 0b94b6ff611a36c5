// The invocation journal in workerd's output: it goes to the watchdog's callback, never to the log,
// and only the runner (which holds the nonce) can write it.
import { describe, expect, it } from "vitest";
import { workerdOutput } from "../../cli/workerd-output.js";
import { createLogger } from "../../cli/log.js";

const NONCE = "n".repeat(24);

/** workerd's line for a console.log of `text`. @param {string} text */
const consoleLine = (text) => JSON.stringify({ timestamp: 1, level: "info", message: text });

function harness(/** @type {{ onJournal?: (entry: any) => void }} */ options = {}) {
  /** @type {string[]} */
  const printed = [];
  const output = workerdOutput(NONCE, createLogger((line) => printed.push(line)), options);
  return { printed, line: (/** @type {string} */ text) => output.line(consoleLine(text), "stdout") };
}

const START = { level: "debug", src: "journal", msg: "start", id: "ab12-0", tenant: "t", worker: "w", version: "v".repeat(64), stallMs: 50 };

describe("the invocation journal", () => {
  it("workerdOutput: journal lines go to onJournal whole, and are not printed", () => {
    /** @type {unknown[]} */
    const journal = [];
    const { printed, line } = harness({ onJournal: (entry) => journal.push(entry) });
    line(NONCE + JSON.stringify(START));
    line(NONCE + JSON.stringify({ level: "debug", src: "journal", msg: "end", id: "ab12-0" }));
    line(NONCE + JSON.stringify({ level: "info", src: "runner", msg: "a runner line" }));
    expect(journal).toEqual([START, { level: "debug", src: "journal", msg: "end", id: "ab12-0" }]);
    expect(printed.map((text) => JSON.parse(text).msg)).toEqual(["a runner line"]);
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
});
