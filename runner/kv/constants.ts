/** Cloudflare Workers KV limits: https://developers.cloudflare.com/kv/platform/limits/ */
export const KV_LIMITS = {
  MAX_KEY_BYTES: 512,
  MAX_VALUE_BYTES: 25 * 1024 * 1024,
  MAX_METADATA_BYTES: 1024,
  MIN_EXPIRATION_TTL_SECONDS: 60,
  MIN_CACHE_TTL_SECONDS: 30,
  MAX_LIST_KEYS: 1000,
  MAX_BULK_KEYS: 100,
  /** Keys per bulk write or delete (Cloudflare's REST API; workers have no bulk write): https://developers.cloudflare.com/api/resources/kv/subresources/namespaces/methods/bulk_update/ */
  MAX_BULK_WRITE_KEYS: 10_000,
} as const;

/** Value types `get` accepts: https://developers.cloudflare.com/kv/api/read-key-value-pairs/ */
export const GET_TYPES = ["text", "json", "arrayBuffer", "stream"] as const;
export type GetType = (typeof GET_TYPES)[number];

/** Bulk `get(keys[])` only returns text or json. */
export const BULK_GET_TYPES = ["text", "json"] as const;

/** How many expired entries one sweep statement deletes (bounded so it never holds locks long). */
export const SWEEP_BATCH = 1000;
