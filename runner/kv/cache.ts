// A per-host read cache for KV that stays correct across hosts: every write statement sends
// NOTIFY outpost_kv '<namespace>:<hex key>' (delivered at commit to every host's listener),
// and the cache serves nothing while its listener is not subscribed. Module scope is shared by
// the Kv entrypoint and the Database object: both run in the runner's one isolate. Tenants
// share it fairly (fair-lru.ts): one tenant's reads cannot push out another's hot keys.
import type { ChannelListener } from "../db/notifications.ts";
import { errorText, log } from "../logs/log.ts";
import type { KvEntry } from "./contract.ts";
import { FairLru } from "./fair-lru.ts";

export const KV_CHANNEL = "outpost_kv";

/**
 * Bounds: entries, value size, total bytes and age (a safety net should a connection die
 * silently). The runner's isolate has the same V8 heap limit as tenants' (OUTPOST_HEAP_MB,
 * 512 MiB by default), so the cache stays a small part of it.
 */
const MAX_ENTRIES = 10_000;
const MAX_VALUE_BYTES = 64 * 1024;
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
const MAX_AGE_MS = 10_000;
/**
 * Each tenant's guaranteed part of the cache: 1,250 entries or 2 MiB (32 values of the largest
 * cacheable size). A tenant alone may fill the whole cache; when others need room it gives back
 * what it holds beyond its share, least recently used first. Up to 8 busy tenants per process
 * keep their whole share; beyond that the cache evicts the least recently used entry.
 */
const TENANT_SHARE = 1 / 8;

interface Slot {
  entry: KvEntry | null;
  storedAt: number;
}

const slots = new FairLru<Slot>({
  entries: MAX_ENTRIES,
  bytes: MAX_TOTAL_BYTES,
  tenantEntries: MAX_ENTRIES * TENANT_SHARE,
  tenantBytes: MAX_TOTAL_BYTES * TENANT_SHARE,
});
let live = false;
// Bumped by every invalidation: a read that overlapped one does not fill the cache, since it
// may have seen the value from before a write whose notification already went by.
let epoch = 0;

export function slotKey(namespaceId: string, keyHex: string): string {
  return `${namespaceId}:${keyHex}`;
}

/** The cached entry (null: known absent), or undefined on a miss. Expired entries read as absent. */
export function cached(slot: string, nowSeconds: number): KvEntry | null | undefined {
  if (!live) return undefined;
  const hit = slots.get(slot);
  if (!hit) return undefined;
  if (Date.now() - hit.storedAt > MAX_AGE_MS) {
    slots.delete(slot);
    return undefined;
  }
  if (hit.entry && hit.entry.expiration !== null && hit.entry.expiration <= nowSeconds) return null;
  return hit.entry;
}

/** Call before reading from Postgres; pass the result to `remember`. */
export function readToken(): number {
  return epoch;
}

export function remember(tenant: string, slot: string, entry: KvEntry | null, token: number): void {
  if (!live || token !== epoch || (entry && entry.value.byteLength > MAX_VALUE_BYTES)) return;
  // Key text, value and metadata: what the entry keeps alive, near enough.
  const bytes = slot.length + (entry ? entry.value.byteLength + (entry.metadata?.length ?? 0) : 0);
  slots.set(tenant, slot, { entry, storedAt: Date.now() }, bytes);
}

/** A write to this key committed (here, or on another host via NOTIFY). */
export function invalidate(slot: string): void {
  epoch++;
  slots.delete(slot);
}

/** The cache's change notifications (registered in runner/index.ts): one per committed write. */
export const kvWrites: ChannelListener = {
  notified: (slot) => invalidate(slot),
  hearing(heard, error) {
    if (heard) return listening();
    if (error !== undefined) log.error("KV cache listener could not subscribe; reads go to Postgres", { error: errorText(error) });
    deaf();
  },
};

/** The listener is subscribed: from now on every write reaches `invalidate`. */
function listening(): void {
  epoch++;
  slots.clear();
  live = true;
}

/** The listener connection closed: notifications may be lost, so trust nothing cached. */
function deaf(): void {
  live = false;
  epoch++;
  slots.clear();
}
