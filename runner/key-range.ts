// Byte ranges over KV and R2 keys, which Postgres orders byte by byte (bytea): a prefix is the
// range [prefix, prefixEnd(prefix)), and a list resumes at successor(last key returned).

/**
 * Greater than every key of any length: keys are UTF-8, and UTF-8 never contains the byte 0xff.
 * The open end of an empty prefix.
 */
const ABOVE_ALL_KEYS = Uint8Array.of(0xff);

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
