// Retries of a failed scheduled() handler, within the tick that was claimed for it. Cloudflare
// documents only that `ScheduledController.noRetry()` stops it retrying a failed invocation, not
// how often or when it retries, so this rule is Outpost's own: a call whose outcome is not "ok" is
// made again, up to MAX_ATTEMPTS calls in all (waiting 1 s, then 2 s), unless the handler called
// noRetry(). Pure, so the unit tests drive it with a fake sleep.

/**
 * Calls per tick, the first included. Enough to ride out a passing failure (a dependency
 * restarting, a dropped connection) without running a handler that is simply broken over and
 * over; with the delays below a failing every-minute cron is done well before its next tick.
 */
export const MAX_ATTEMPTS = 3;
/** Wait before the 2nd call, doubled before each later one: short, since the tick is due now. */
export const FIRST_RETRY_DELAY_MS = 1000;

/** What workerd's `Fetcher#scheduled()` reports for one call. */
export interface AttemptResult {
  outcome: string;
  noRetry: boolean;
}

export interface AttemptsResult {
  /** the last call's outcome */
  outcome: string;
  /** calls made, 1 to MAX_ATTEMPTS */
  attempts: number;
}

export interface FailedAttempt extends AttemptResult {
  attempt: number;
  /** the wait before the next call, or null when this was the last one */
  retryInMs: number | null;
}

export interface AttemptOptions {
  /** told of each call that did not end "ok" (to log it) */
  onFailure: (failure: FailedAttempt) => void;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `call` until it ends "ok", it asked for no retry, or MAX_ATTEMPTS calls were made. */
export async function withRetries(call: (attempt: number) => Promise<AttemptResult>, options: AttemptOptions): Promise<AttemptsResult> {
  const sleep = options.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    const result = await call(attempt);
    if (result.outcome === "ok") return { outcome: result.outcome, attempts: attempt };
    const retryInMs = result.noRetry || attempt >= MAX_ATTEMPTS ? null : FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1);
    options.onFailure({ ...result, attempt, retryInMs });
    if (retryInMs === null) return { outcome: result.outcome, attempts: attempt };
    await sleep(retryInMs);
  }
}
