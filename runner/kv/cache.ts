// A per-host read cache for KV that stays correct across hosts: every write statement sends
// NOTIFY outpost_kv '<namespace>:<hex key>' (delivered at commit to every host's listener),
// and the cache serves nothing while its listener is not subscribed. Module scope is shared by
// the Kv entrypoint and the Database object: both run in the runner's one isolate.
import type { ChannelListener } from "../db/notifications.ts";
import { errorText, log } from "../logs/log.ts";
import type { KvEntry } from "./contract.ts";

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

interface Slot {
  entry: KvEntry | null;
  storedAt: number;
  bytes: number;
}

const slots = new Map<string, Slot>();
let totalBytes = 0;
let live = false;
// Bumped by every invalidation: a read that overlapped one does not fill the cache, since it
// may have seen the value from before a write whose notification already went by.
let epoch = 0;

export function slotKey(namespaceId: string, keyHex: string): string {
  return `${namespaceId}:${keyHex}`;
}

/** The cached entry (null: known absent), or undefined on a miss. Expired entries read as absent. */
export function cached(slot: string, nowSeconds: number): KvEntry | null | undefined {
  const hit = slots.get(slot);
  if (!live || !hit || Date.now() - hit.storedAt > MAX_AGE_MS) return undefined;
  if (hit.entry && hit.entry.expiration !== null && hit.entry.expiration <= nowSeconds) return null;
  return hit.entry;
}

/** Call before reading from Postgres; pass the result to `remember`. */
export function readToken(): number {
  return epoch;
}

export function remember(slot: string, entry: KvEntry | null, token: number): void {
  if (!live || token !== epoch || (entry && entry.value.byteLength > MAX_VALUE_BYTES)) return;
  drop(slot);
  // Key text, value and metadata: what the entry keeps alive, near enough.
  const bytes = slot.length + (entry ? entry.value.byteLength + (entry.metadata?.length ?? 0) : 0);
  slots.set(slot, { entry, storedAt: Date.now(), bytes });
  totalBytes += bytes;
  while (slots.size > MAX_ENTRIES || totalBytes > MAX_TOTAL_BYTES) drop(slots.keys().next().value as string);
}

function drop(slot: string): void {
  const old = slots.get(slot);
  if (!old) return;
  totalBytes -= old.bytes;
  slots.delete(slot);
}

/** A write to this key committed (here, or on another host via NOTIFY). */
export function invalidate(slot: string): void {
  epoch++;
  drop(slot);
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
  clear();
  live = true;
}

/** The listener connection closed: notifications may be lost, so trust nothing cached. */
function deaf(): void {
  live = false;
  epoch++;
  clear();
}

function clear(): void {
  slots.clear();
  totalBytes = 0;
}
