import { expect, it } from "vitest";
import { type AttemptResult, type FailedAttempt, MAX_ATTEMPTS, withRetries } from "../../runner/cron/retry.ts";

/** Runs withRetries over scripted outcomes, with a sleep that only records its waits. */
async function run(results: AttemptResult[]) {
  const calls: number[] = [];
  const waits: number[] = [];
  const failures: FailedAttempt[] = [];
  const result = await withRetries(
    async (attempt) => {
      calls.push(attempt);
      const next = results[attempt - 1];
      if (!next) throw new Error(`attempt ${attempt} was not expected`);
      return next;
    },
    { onFailure: (failure) => failures.push(failure), sleep: async (ms) => void waits.push(ms) },
  );
  return { result, calls, waits, failures };
}

const ok = { outcome: "ok", noRetry: false };
const exception = { outcome: "exception", noRetry: false };

it("withRetries: a call that ends ok is made once", async () => {
  expect(await run([ok])).toEqual({ result: { outcome: "ok", attempts: 1 }, calls: [1], waits: [], failures: [] });
});

it("withRetries: a failing call is made three times in all, 1 s then 2 s apart", async () => {
  const { result, calls, waits, failures } = await run([exception, exception, exception]);
  expect(MAX_ATTEMPTS).toBe(3);
  expect(result).toEqual({ outcome: "exception", attempts: 3 });
  expect(calls).toEqual([1, 2, 3]);
  expect(waits).toEqual([1000, 2000]);
  expect(failures.map((f) => [f.attempt, f.outcome, f.retryInMs])).toEqual([
    [1, "exception", 1000],
    [2, "exception", 2000],
    [3, "exception", null],
  ]);
});

it("withRetries: stops at the first ok; the result is the last call's", async () => {
  const { result, waits } = await run([exception, { outcome: "exceededCpu", noRetry: false }, ok]);
  expect(result).toEqual({ outcome: "ok", attempts: 3 });
  expect(waits).toEqual([1000, 2000]);
  expect((await run([exception, ok])).result).toEqual({ outcome: "ok", attempts: 2 });
});

it("withRetries: a handler that called noRetry() is not called again", async () => {
  const { result, calls, waits, failures } = await run([{ outcome: "exception", noRetry: true }]);
  expect(result).toEqual({ outcome: "exception", attempts: 1 });
  expect(calls).toEqual([1]);
  expect(waits).toEqual([]);
  expect(failures).toEqual([{ attempt: 1, outcome: "exception", noRetry: true, retryInMs: null }]);
  // After a retry, too.
  expect((await run([exception, { outcome: "exception", noRetry: true }])).result).toEqual({ outcome: "exception", attempts: 2 });
});

it("withRetries: noRetry() in a handler that succeeded changes nothing", async () => {
  expect((await run([{ outcome: "ok", noRetry: true }])).result).toEqual({ outcome: "ok", attempts: 1 });
});
