// A least-recently-used map that tenants share fairly: each tenant is guaranteed a share of its
// entries and bytes, and may borrow what others leave unused. When the whole map is over its
// bounds, a tenant over its share gives back first (the one inserting, else the first to have
// gone over), so one tenant's scan cannot push out another's entries; only when every tenant is
// within its share (more tenants busy than shares fit) does the map fall back to plain LRU.
// Every operation is O(1): JavaScript's Map and Set keep insertion order, and re-inserting a key
// moves it to the end.

export interface FairLruLimits {
  entries: number;
  bytes: number;
  tenantEntries: number;
  tenantBytes: number;
}

interface Segment {
  keys: Set<string>; // least recently used first
  bytes: number;
}

interface Item<V> {
  tenant: string;
  segment: Segment;
  value: V;
  bytes: number;
}

export class FairLru<V> {
  readonly #limits: FairLruLimits;
  readonly #items = new Map<string, Item<V>>(); // least recently used first
  readonly #segments = new Map<string, Segment>();
  readonly #overShare = new Map<string, Segment>(); // tenants over their share, in the order they went over
  #bytes = 0;

  constructor(limits: FairLruLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#items.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** A tenant's usage, for tests and diagnostics. */
  usage(tenant: string): { entries: number; bytes: number } {
    const segment = this.#segments.get(tenant);
    return { entries: segment?.keys.size ?? 0, bytes: segment?.bytes ?? 0 };
  }

  /** The value, now the most recently used; undefined if absent. */
  get(key: string): V | undefined {
    const item = this.#items.get(key);
    if (!item) return undefined;
    this.#items.delete(key);
    this.#items.set(key, item);
    item.segment.keys.delete(key);
    item.segment.keys.add(key);
    return item.value;
  }

  set(tenant: string, key: string, value: V, bytes: number): void {
    this.delete(key);
    let segment = this.#segments.get(tenant);
    if (!segment) this.#segments.set(tenant, (segment = { keys: new Set(), bytes: 0 }));
    this.#items.set(key, { tenant, segment, value, bytes });
    segment.keys.add(key);
    segment.bytes += bytes;
    this.#bytes += bytes;
    this.#checkShare(tenant, segment);
    this.#evictFor(tenant);
  }

  delete(key: string): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#items.delete(key);
    item.segment.keys.delete(key);
    item.segment.bytes -= item.bytes;
    this.#bytes -= item.bytes;
    if (item.segment.keys.size === 0) this.#segments.delete(item.tenant);
    this.#checkShare(item.tenant, item.segment);
  }

  clear(): void {
    this.#items.clear();
    this.#segments.clear();
    this.#overShare.clear();
    this.#bytes = 0;
  }

  #checkShare(tenant: string, segment: Segment): void {
    if (segment.keys.size > this.#limits.tenantEntries || segment.bytes > this.#limits.tenantBytes) this.#overShare.set(tenant, segment);
    else this.#overShare.delete(tenant);
  }

  #evictFor(tenant: string): void {
    while (this.#items.size > this.#limits.entries || this.#bytes > this.#limits.bytes) {
      const borrower = this.#overShare.get(tenant) ?? first(this.#overShare.values());
      const victim = first(borrower ? borrower.keys : this.#items.keys());
      if (victim === undefined) return;
      this.delete(victim);
    }
  }
}

function first<T>(values: Iterable<T>): T | undefined {
  for (const value of values) return value;
  return undefined;
}
