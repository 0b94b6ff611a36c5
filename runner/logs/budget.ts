// A tenant's log volume per minute (the log_bytes_per_minute quota), counted in this process:
// past it, the tenant's entries are dropped until the minute ends, and one runner line says so.
// Pure (the clock is passed in), so the window is unit-tested.

const MINUTE_MS = 60_000;
/** Tenants remembered at once; the oldest window is forgotten first (it has ended or nearly). */
const MAX_TENANTS = 10_000;

export type Verdict = "print" | "drop" | "first drop";

export class LogBudget {
  readonly #windows = new Map<string, { minute: number; bytes: number }>();

  /** Whether an entry of `bytes` fits the tenant's `limit` this minute ("first drop": the first one that did not). */
  take(tenant: string, bytes: number, limit: number | null, now: number): Verdict {
    const minute = Math.floor(now / MINUTE_MS);
    let window = this.#windows.get(tenant);
    if (!window || window.minute !== minute) {
      this.#windows.delete(tenant);
      if (this.#windows.size >= MAX_TENANTS) this.#windows.delete(this.#windows.keys().next().value as string);
      window = { minute, bytes: 0 };
      this.#windows.set(tenant, window);
    }
    const before = window.bytes;
    window.bytes += bytes;
    if (limit === null || window.bytes <= limit) return "print";
    return before <= limit ? "first drop" : "drop";
  }
}
