import { KV_LIMITS } from "./constants.ts";

/** Greater than every key (keys are at most 512 bytes): the open end of an empty prefix. */
const ABOVE_ALL_KEYS = new Uint8Array(KV_LIMITS.MAX_KEY_BYTES + 1).fill(0xff);

/** The smallest byte string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.byteLength - 1; i >= 0; i--) {
    const byte = prefix[i] as number;
    if (byte < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return ABOVE_ALL_KEYS;
}

/** The smallest byte string greater than `key` (so a cursor resumes just after it). */
export function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.byteLength + 1);
  next.set(key);
  return next;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.byteLength - b.byteLength;
}
