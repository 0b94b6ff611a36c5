// A forwarded call's arguments and result on the wire: JSON, with bytes (Uint8Array) as
// `{"$bytes": base64}`. Objects' methods take and give JSON values and bytes only (D1: statements,
// bound values, rows), so no other object has that one key.
import { fromBase64, toBase64 } from "../encoding.ts";

const BYTES = "$bytes";

export function encode(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item instanceof Uint8Array ? { [BYTES]: toBase64(item) } : item));
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const keys = Object.keys(item);
    const bytes = (item as Record<string, unknown>)[BYTES];
    return keys.length === 1 && typeof bytes === "string" ? fromBase64(bytes) : item;
  });
}
