// Cloudflare's cap on PBKDF2 iterations, which the open-source workerd leaves out (its
// LimitEnforcer allows any count): one call with 30,000,000 iterations held a process, and every
// tenant on it, for 8.5 s. Applied when this module is evaluated, which the entry module makes
// happen before the user's modules run (runner/dispatch/entry-module.ts), so tenant code only
// ever sees the guarded methods.

/** Cloudflare's limit (workerd's DEFAULT_MAX_PBKDF2_ITERATIONS, enforced in production). */
export const MAX_PBKDF2_ITERATIONS = 100_000;

type Derive = (algorithm: unknown, ...rest: unknown[]) => Promise<unknown>;
type DeriveMethods = { deriveBits: Derive; deriveKey: Derive };

/** Replaces `deriveBits` and `deriveKey` on `target` (SubtleCrypto.prototype in a tenant isolate). */
export function limitPbkdf2(target: DeriveMethods): void {
  for (const method of ["deriveBits", "deriveKey"] as const) {
    const original = target[method];
    target[method] = async function (this: unknown, algorithm: unknown, ...rest: unknown[]) {
      return original.call(this, checkedAlgorithm(algorithm), ...rest);
    };
  }
}

/**
 * The algorithm as workerd will read it. Each field that decides is read once and pinned in an own
 * property over the caller's object, so a getter cannot show one count to this check and another
 * to workerd; the other fields (hash, salt, …) are still read from the caller's object.
 */
function checkedAlgorithm(algorithm: unknown): unknown {
  // Strings name an algorithm without parameters; a function is an object to workerd too.
  if ((typeof algorithm !== "object" && typeof algorithm !== "function") || algorithm === null) return algorithm;
  // Converted here as workerd would (WebIDL DOMString), so a `toString` cannot answer twice either.
  const raw: unknown = Reflect.get(algorithm, "name");
  const name = raw === undefined ? undefined : String(raw);
  const pinned: PropertyDescriptorMap = { name: { value: name, enumerable: true } };
  if (name?.toUpperCase() === "PBKDF2") {
    const count: unknown = Reflect.get(algorithm, "iterations");
    const iterations = count === undefined ? undefined : Number(count);
    if (iterations !== undefined && iterations > MAX_PBKDF2_ITERATIONS) {
      // Cloudflare's error, word for word (workerd's checkPbkdfLimits).
      throw new DOMException(
        `Pbkdf2 failed: iteration counts above ${MAX_PBKDF2_ITERATIONS} are not supported (requested ${iterations}).`,
        "NotSupportedError",
      );
    }
    pinned.iterations = { value: iterations, enumerable: true };
  }
  return Object.create(algorithm, pinned);
}
