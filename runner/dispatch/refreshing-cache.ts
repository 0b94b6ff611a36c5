/**
 * A bounded per-host cache that serves a stale value while one background refresh runs, so no
 * request waits on Postgres once a key has been seen. `forget` makes the next read wait for
 * fresh data: the admin API and change notifications call it.
 */
export class RefreshingCache<T> {
  readonly #entries = new Map<string, { value: T; fetchedAt: number }>();
  readonly #refreshing = new Set<string>();
  /** Bumped by `forget` and `clear`: a load that began before one may have read the old data. */
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  async get(key: string, ctx: Pick<ExecutionContext, "waitUntil">, load: () => Promise<T>): Promise<T> {
    const entry = this.#entries.get(key);
    if (!entry) return this.#refresh(key, load);
    if (Date.now() - entry.fetchedAt > this.ttlMs && !this.#refreshing.has(key)) {
      this.#refreshing.add(key);
      ctx.waitUntil(this.#refresh(key, load).finally(() => this.#refreshing.delete(key)));
    }
    return entry.value;
  }

  forget(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  async #refresh(key: string, load: () => Promise<T>): Promise<T> {
    const generation = this.#generation;
    const value = await load();
    // Its caller gets what it read; the cache keeps only what was read after the last change.
    if (generation !== this.#generation) return value;
    this.#entries.delete(key);
    this.#entries.set(key, { value, fetchedAt: Date.now() });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }
}
