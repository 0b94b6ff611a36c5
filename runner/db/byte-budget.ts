// How fast each tenant may send bytes to the database from one workerd process. Every byte a
// tenant writes costs CPU on a machine everyone shares: encoding it for the wire in this process,
// decoding, compressing and logging it in Postgres. Apart, the lanes and the fair queue
// (database.ts) keep a flood of large writes off other tenants' connections, not off their CPU.
// A token bucket per tenant: it refills at `bytesPerSecond` up to one second's worth, and a call
// that finds too few tokens takes them anyway (the bucket goes into debt) and waits until the debt
// would be repaid. So a tenant's calls start in the order they came, none is refused, and a
// tenant that keeps sending is slowed to the rate: back-pressure on its own writers alone.

interface Bucket {
  /** Tokens (bytes) at `at`; below zero while calls wait for their turn. */
  tokens: number;
  at: number;
}

export class ByteBudget {
  readonly #bytesPerMs: number;
  readonly #burst: number;
  /** One bucket per tenant that has sent anything; tenants are the operator's, so few. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(bytesPerSecond: number) {
    this.#bytesPerMs = bytesPerSecond / 1000;
    this.#burst = bytesPerSecond;
  }

  /** Takes `bytes` from `tenant`'s bucket at `now` (ms); returns how many ms the call must wait first. */
  take(tenant: string, bytes: number, now: number): number {
    const bucket = this.#buckets.get(tenant) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#bytesPerMs) - bytes;
    bucket.at = now;
    this.#buckets.set(tenant, bucket);
    return bucket.tokens < 0 ? -bucket.tokens / this.#bytesPerMs : 0;
  }
}
