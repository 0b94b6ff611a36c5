// Failed admin-token attempts, counted per client address in fixed windows, so a client that
// guesses tokens is stopped after a few tries. State is per workerd process (per host).

export const THROTTLE_LIMITS = {
  /** Failed attempts one address may make per window; the next ones are refused unchecked. */
  MAX_FAILURES: 10,
  WINDOW_MS: 60_000,
  /** Addresses tracked at once; beyond it the oldest window is forgotten (memory stays bounded). */
  MAX_ADDRESSES: 10_000,
  /** Failures written to the audit log per window, over all addresses (the disk stays bounded). */
  MAX_LOGGED_PER_WINDOW: 100,
} as const;

export type ThrottleLimits = { [K in keyof typeof THROTTLE_LIMITS]: number };

interface Window {
  start: number;
  failures: number;
}

/** What a failure means: the count in the address's window, and whether to write it to the audit log. */
export interface Failure {
  failures: number;
  /** The first failure of the window and the one that starts the refusal are logged, within the global budget. */
  log: boolean;
}

export class FailureThrottle {
  readonly #windows = new Map<string, Window>();
  #logged: Window = { start: 0, failures: 0 };

  constructor(
    readonly limits: ThrottleLimits = THROTTLE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `address` may try a token again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const window = this.#current(address);
    return window && window.failures >= this.limits.MAX_FAILURES ? window.start + this.limits.WINDOW_MS - this.now() : 0;
  }

  /** Counts a failed attempt from `address`. */
  fail(address: string): Failure {
    let window = this.#current(address);
    if (!window) {
      this.#makeRoom();
      window = { start: this.now(), failures: 0 };
      this.#windows.set(address, window);
    }
    window.failures += 1;
    const notable = window.failures === 1 || window.failures === this.limits.MAX_FAILURES;
    return { failures: window.failures, log: notable && this.#withinLogBudget() };
  }

  /** The address's window if it has not ended (an ended one is dropped). */
  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    if (window && this.now() - window.start >= this.limits.WINDOW_MS) {
      this.#windows.delete(address);
      return undefined;
    }
    return window;
  }

  // Map order is insertion order and a window is inserted when it starts, so the first entry is
  // the oldest: ended windows go first, then (under a flood of addresses) the oldest running one.
  #makeRoom(): void {
    for (const [address, window] of this.#windows) {
      if (this.#windows.size < this.limits.MAX_ADDRESSES && this.now() - window.start < this.limits.WINDOW_MS) return;
      this.#windows.delete(address);
    }
  }

  #withinLogBudget(): boolean {
    if (this.now() - this.#logged.start >= this.limits.WINDOW_MS) this.#logged = { start: this.now(), failures: 0 };
    this.#logged.failures += 1;
    return this.#logged.failures <= this.limits.MAX_LOGGED_PER_WINDOW;
  }
}
