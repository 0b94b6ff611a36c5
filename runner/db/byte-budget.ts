// How fast each tenant may send bytes to the database from one workerd process. Every byte a
// tenant writes costs CPU on a machine everyone shares: hex-encoding it for the wire in this
// process (postgres.js sends parameters as text), decoding and logging it in Postgres. The lanes
// and the fair queue (database.ts) keep a flood of large writes off other tenants' connections,
// not off their CPU. A token bucket per tenant: it refills at `bytesPerSecond` up to one second's
// worth. A call starts once the bucket is out of debt and then takes its bytes, into debt if need
// be, so the next calls wait until the rate has paid for it: a tenant's calls keep their order, a
// value larger than the bucket still goes, and a tenant that keeps sending is slowed to the rate,
// back-pressure on its own writers alone. A call whose turn would come later than `maxWaitMs`
// takes nothing and is refused, as a call that finds no turn on a connection is (fair-queue.ts).

interface Bucket {
  /** Tokens (bytes) at `at`; below zero while the last calls are not paid for yet. */
  tokens: number;
  at: number;
}

export class ByteBudget {
  readonly #bytesPerMs: number;
  readonly #burst: number;
  readonly #maxWaitMs: number;
  /** One bucket per tenant that has sent anything; tenants are the operator's, so few. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(bytesPerSecond: number, maxWaitMs: number) {
    this.#bytesPerMs = bytesPerSecond / 1000;
    this.#burst = bytesPerSecond;
    this.#maxWaitMs = maxWaitMs;
  }

  /**
   * Takes `bytes` from `tenant`'s bucket at `now` (ms); returns how many ms the call must wait
   * before it starts, or null (nothing taken) if that would be longer than maxWaitMs.
   */
  take(tenant: string, bytes: number, now: number): number | null {
    const bucket = this.#buckets.get(tenant) ?? { tokens: this.#burst, at: now };
    const tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#bytesPerMs);
    const wait = tokens < 0 ? -tokens / this.#bytesPerMs : 0;
    if (wait > this.#maxWaitMs) return null;
    this.#buckets.set(tenant, { tokens: tokens - bytes, at: now });
    return wait;
  }
}
