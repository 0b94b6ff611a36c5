// R2 input rules, worded as Cloudflare's binding words them (see errors.ts).
import { R2_LIMITS } from "./constants.ts";
import { R2Error } from "./errors.ts";
import { isStorableText } from "../storable-text.ts";

const encoder = new TextEncoder();

export function keyBytes(operation: string, key: string): Uint8Array {
  const bytes = encoder.encode(key);
  if (bytes.byteLength > R2_LIMITS.MAX_KEY_BYTES) throw new R2Error(operation, "INVALID_OBJECT_NAME");
  return bytes;
}

export function checkCustomMetadata(operation: string, metadata: Record<string, string>): void {
  let size = 0;
  for (const [name, value] of Object.entries(metadata)) size += encoder.encode(name).byteLength + encoder.encode(value).byteLength;
  if (size > R2_LIMITS.MAX_CUSTOM_METADATA_BYTES) throw new R2Error(operation, "METADATA_TOO_LARGE");
}

/**
 * Metadata is kept as jsonb, which holds neither NUL nor a lone surrogate. R2 keeps NUL and
 * replaces a lone surrogate; Outpost refuses both, before anything is written.
 */
export function checkMetadataText(operation: string, metadata: Record<string, string>): void {
  for (const [name, value] of Object.entries(metadata)) {
    if (!isStorableText(name) || !isStorableText(value)) {
      throw new TypeError(`${operation}: Metadata names and values must not contain NUL characters or unpaired UTF-16 surrogates (${JSON.stringify(name)}).`);
    }
  }
}

export function checkListLimit(limit: number | undefined): number {
  if (limit === undefined) return R2_LIMITS.MAX_LIST_KEYS;
  if (!Number.isInteger(limit) || limit < 1 || limit > R2_LIMITS.MAX_LIST_KEYS) throw new R2Error("list", "INVALID_MAX_KEYS");
  return limit;
}

export type RangeInput = { offset?: number | undefined; length?: number | undefined; suffix?: number | undefined };

/** workerd's checks of a range's numbers (RangeErrors, before any request), with its wording. */
export function checkRange(range: RangeInput): void {
  const check = (value: number | undefined, what: string) => {
    if (value === undefined) return;
    const shown = Number.isNaN(value) ? "nan" : value === Infinity ? "inf" : value === -Infinity ? "-inf" : String(value);
    if (!(value >= 0)) throw new RangeError(`${what} (${shown}) must be greater than or equal to 0.`);
    if (Number.isFinite(value) && !Number.isInteger(value)) throw new RangeError(`${what} (${shown}) must be an integer, not floating point.`);
  };
  check(range.offset, "Invalid range. Starting offset");
  check(range.length, "Invalid range. Length");
  check(range.suffix, "Invalid suffix. Suffix");
}

/** The byte range to return, or throws "The requested range is not satisfiable". */
export function resolveRange(range: RangeInput | undefined, size: number): { offset: number; length: number } | undefined {
  if (!range) return undefined;
  checkRange(range);
  if (range.suffix !== undefined) {
    if (range.suffix === 0) throw new R2Error("get", "INVALID_RANGE");
    const length = Math.min(range.suffix, size);
    return { offset: size - length, length };
  }
  const offset = range.offset ?? 0;
  if (offset < 0 || (offset >= size && size > 0) || (range.length !== undefined && range.length < 0)) throw new R2Error("get", "INVALID_RANGE");
  const length = Math.min(range.length ?? size - offset, size - offset);
  return { offset, length };
}

export interface Conditional {
  etagMatches?: string[] | undefined;
  etagDoesNotMatch?: string[] | undefined;
  uploadedBefore?: number | undefined;
  uploadedAfter?: number | undefined;
  secondsGranularity?: boolean | undefined;
}

/** Whether `onlyIf` holds for the object (undefined: no object). */
export function conditionHolds(onlyIf: Conditional | undefined, object: { etag: string; uploaded: number } | undefined): boolean {
  if (!onlyIf) return true;
  const etagIn = (list: string[]) => list.some((etag) => etag === "*" || etag === object?.etag);
  if (onlyIf.etagMatches && (!object || !etagIn(onlyIf.etagMatches))) return false;
  if (onlyIf.etagDoesNotMatch && object && etagIn(onlyIf.etagDoesNotMatch)) return false;
  if (!object) return onlyIf.etagMatches === undefined;
  const uploaded = onlyIf.secondsGranularity ? Math.floor(object.uploaded / 1000) * 1000 : object.uploaded;
  // As HTTP's If-Match wins over If-Unmodified-Since, an etag match decides alone.
  if (onlyIf.uploadedBefore !== undefined && !onlyIf.etagMatches && !(uploaded < onlyIf.uploadedBefore)) return false;
  if (onlyIf.uploadedAfter !== undefined && !onlyIf.etagDoesNotMatch && !(uploaded > onlyIf.uploadedAfter)) return false;
  return true;
}
