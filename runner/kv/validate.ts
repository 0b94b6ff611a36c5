// Pure KV input checks with Cloudflare's exact messages. The shim runs the cheap client-side
// ones (TypeErrors, as workerd's own KV binding throws); the runner runs all of them again,
// because the shim lives in tenant code and cannot be trusted.
import { BindingError } from "../errors.ts";
import { BULK_GET_TYPES, KV_LIMITS } from "./constants.ts";
import { toInt32 } from "../webidl.ts";

export type KvOperation = "KV GET" | "KV GET_BULK" | "KV PUT" | "KV DELETE";

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/** What workerd's KV binding refuses before sending anything. */
export function checkKeyName(key: string): void {
  if (key === "") throw new TypeError("Key name cannot be empty.");
  if (key === "." || key === "..") throw new TypeError(`"${key}" is not allowed as a key name.`);
}

/** Server-side key rules; returns the key's UTF-8 bytes (the stored form). */
export function validateKey(operation: KvOperation, key: string): Uint8Array {
  if (key === "") throw new BindingError(operation, 400, "Key names must not be empty");
  if (key === "." || key === "..") throw new BindingError(operation, 400, `Illegal key name "${key}". Please use a different name.`);
  return validateKeyLength(operation, key);
}

export function validateKeyLength(operation: KvOperation, key: string): Uint8Array {
  const bytes = encoder.encode(key);
  if (bytes.byteLength > KV_LIMITS.MAX_KEY_BYTES) {
    throw new BindingError(operation, 414, `UTF-8 encoded length of ${bytes.byteLength} exceeds key length limit of ${KV_LIMITS.MAX_KEY_BYTES}.`);
  }
  return bytes;
}

export function validateCacheTtl(operation: KvOperation, cacheTtl: number | undefined): void {
  if (cacheTtl !== undefined && (Number.isNaN(cacheTtl) || cacheTtl < KV_LIMITS.MIN_CACHE_TTL_SECONDS)) {
    throw new BindingError(operation, 400, `Invalid cache_ttl of ${cacheTtl}. Cache TTL must be at least ${KV_LIMITS.MIN_CACHE_TTL_SECONDS}.`);
  }
}

export function validateBulkKeys(keys: readonly string[]): void {
  if (keys.length === 0) throw new BindingError("KV GET_BULK", 400, "You must request a minimum of 1 key");
  if (keys.length > KV_LIMITS.MAX_BULK_KEYS) {
    throw new BindingError("KV GET_BULK", 400, `You can request a maximum of ${KV_LIMITS.MAX_BULK_KEYS} keys`);
  }
}

export function validateBulkType(type: string): void {
  if (!(BULK_GET_TYPES as readonly string[]).includes(type)) {
    throw new BindingError("KV GET_BULK", 400, `"${type}" is not a valid type. Use "json" or "text"`);
  }
}

export function validateValueSize(byteLengthOfValue: number): void {
  if (byteLengthOfValue > KV_LIMITS.MAX_VALUE_BYTES) {
    throw new BindingError("KV PUT", 413, `Value length of ${byteLengthOfValue} exceeds limit of ${KV_LIMITS.MAX_VALUE_BYTES}.`);
  }
}

export interface PutOptionsInput {
  expiration?: number | undefined;
  expirationTtl?: number | undefined;
  /** Metadata already serialised to JSON by the shim. */
  metadata?: string | undefined;
}

/**
 * Resolves `expiration`/`expirationTtl` to an absolute epoch second (or null) and checks metadata.
 * Both are 32-bit integers, converted as workerd converts them (the shim already did; a crafted
 * call may not have): Infinity is 0, and out of range is a TypeError, never a database error.
 */
export function validatePutOptions(options: PutOptionsInput, nowSeconds: number): { expiration: number | null; metadata: string | null } {
  let expiration: number | null = null;
  if (options.expirationTtl !== undefined) {
    const ttl = toInt32(options.expirationTtl);
    if (ttl <= 0) throw new BindingError("KV PUT", 400, `Invalid expiration_ttl of ${ttl}. Please specify integer greater than 0.`);
    if (ttl < KV_LIMITS.MIN_EXPIRATION_TTL_SECONDS) {
      throw new BindingError("KV PUT", 400, `Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least ${KV_LIMITS.MIN_EXPIRATION_TTL_SECONDS}.`);
    }
    expiration = nowSeconds + ttl;
  } else if (options.expiration !== undefined) {
    const at = toInt32(options.expiration);
    if (at <= nowSeconds) {
      throw new BindingError(
        "KV PUT",
        400,
        `Invalid expiration of ${at}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
      );
    }
    if (at < nowSeconds + KV_LIMITS.MIN_EXPIRATION_TTL_SECONDS) {
      throw new BindingError(
        "KV PUT",
        400,
        `Invalid expiration of ${at}. Expiration times must be at least ${KV_LIMITS.MIN_EXPIRATION_TTL_SECONDS} seconds in the future.`,
      );
    }
    expiration = at;
  }
  let metadata: string | null = null;
  if (options.metadata !== undefined) {
    const length = byteLength(options.metadata);
    if (length > KV_LIMITS.MAX_METADATA_BYTES) {
      throw new BindingError("KV PUT", 413, `Metadata length of ${length} exceeds limit of ${KV_LIMITS.MAX_METADATA_BYTES}.`);
    }
    metadata = options.metadata;
  }
  return { expiration, metadata };
}

/** `limit` of a list: absent or 0 means the maximum, as workerd's binding sends it. */
export function validateListLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return KV_LIMITS.MAX_LIST_KEYS;
  if (Number.isNaN(limit) || limit < 1) {
    throw new BindingError("KV GET", 400, `Invalid key_count_limit of ${limit}. Please specify an integer greater than 0.`);
  }
  if (limit > KV_LIMITS.MAX_LIST_KEYS) {
    throw new BindingError("KV GET", 400, `Invalid key_count_limit of ${limit}. Please specify an integer less than ${KV_LIMITS.MAX_LIST_KEYS}.`);
  }
  return Math.trunc(limit);
}
