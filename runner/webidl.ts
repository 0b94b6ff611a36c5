// How workerd converts binding arguments declared as WebIDL numbers, shared by the shims (which
// convert as workerd does) and the runner (which cannot trust the shims).

/**
 * workerd converts an `int` argument (queue `delaySeconds`, KV `expiration`/`expirationTtl`)
 * this way: not-a-number and infinities become 0, fractions are truncated, and values outside
 * 32 bits are refused.
 */
export function toInt32(value: unknown): number {
  const number = Number(value);
  if (!Number.isFinite(number)) return 0;
  const integer = Math.trunc(number);
  if (integer < -2147483648 || integer > 2147483647) {
    throw new TypeError("Value out of range. Must be between -2147483648 and 2147483647 (inclusive).");
  }
  return integer;
}
