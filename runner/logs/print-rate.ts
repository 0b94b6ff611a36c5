// The platform log's rate limit per tenant worker, applied in the runner before a tenant entry is
// printed: the supervisor applies the same one to what it reads (cli/workerd-output.js BUDGETS),
// so under load most tenant entries would be printed only to be parsed and dropped there, each
// costing both processes CPU. What is dropped here is counted, and the supervisor reports it with
// its own. Pure (the clock is passed in), so the refill is unit-tested.

/** The supervisor's tenant budget: a burst, then a steady rate, of bytes of output. */
export const TENANT_PRINT_BUDGET = { burst: 128 * 1024, perSecond: 32 * 1024 } as const;
/** What an entry costs at least, as in the supervisor, so many tiny entries are limited too. */
const MIN_ENTRY_COST = 256;
/** Workers tracked at once; the least recently seen is forgotten first (its bucket starts full again). */
const MAX_WORKERS = 10_000;

export class PrintRate {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** Whether an entry of `bytes` of this worker may be printed now. */
  take(key: string, bytes: number, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket) this.#buckets.delete(key);
    else {
      if (this.#buckets.size >= MAX_WORKERS) this.#buckets.delete(this.#buckets.keys().next().value as string);
      bucket = { tokens: TENANT_PRINT_BUDGET.burst, at: now };
    }
    this.#buckets.set(key, bucket);
    bucket.tokens = Math.min(TENANT_PRINT_BUDGET.burst, bucket.tokens + ((now - bucket.at) / 1000) * TENANT_PRINT_BUDGET.perSecond);
    bucket.at = now;
    const cost = Math.max(MIN_ENTRY_COST, bytes);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }
}
