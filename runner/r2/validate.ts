// R2 input rules, worded as Cloudflare's binding words them (see errors.ts).
import { R2_LIMITS } from "./constants.ts";
import { R2Error } from "./errors.ts";

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

export function checkListLimit(limit: number | undefined): number {
  if (limit === undefined) return R2_LIMITS.MAX_LIST_KEYS;
  if (!Number.isInteger(limit) || limit < 1 || limit > R2_LIMITS.MAX_LIST_KEYS) throw new R2Error("list", "INVALID_MAX_KEYS");
  return limit;
}

export type RangeInput = { offset?: number | undefined; length?: number | undefined; suffix?: number | undefined };

/** The byte range to return, or throws "The requested range is not satisfiable". */
export function resolveRange(range: RangeInput | undefined, size: number): { offset: number; length: number } | undefined {
  if (!range) return undefined;
  if (range.suffix !== undefined) {
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
