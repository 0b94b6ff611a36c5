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

type NodeCrypto = Record<string, unknown> & { pbkdf2: (...args: unknown[]) => unknown; pbkdf2Sync: (...args: unknown[]) => unknown };
type NodeProcess = { getBuiltinModule?: (name: string) => unknown };

/**
 * node:crypto's `pbkdf2` and `pbkdf2Sync` with the same cap. workerd computes them in C++ without
 * one, and named imports of a built-in are bound to it, so the loader gives isolates with
 * `process.getBuiltinModule` a module named `node:crypto` (runner/dispatch/node-crypto.ts) that
 * re-exports this guarded copy; `process.getBuiltinModule("node:crypto")` answers it too.
 */
export function limitNodePbkdf2(process: NodeProcess | undefined): void {
  const original = process?.getBuiltinModule;
  if (!process || typeof original !== "function") return;
  let guarded: NodeCrypto | undefined;
  process.getBuiltinModule = function getBuiltinModule(name: string) {
    const module = original.call(this, name);
    if (name !== "crypto" && name !== "node:crypto") return module;
    guarded ??= guardedNodeCrypto(module as NodeCrypto);
    return guarded;
  };
}

function guardedNodeCrypto(real: NodeCrypto): NodeCrypto {
  // Node checks that iterations is a number (validateInt32) before anything else, so a number is
  // all that can reach the computation; reading it once here is what the original reads.
  const tooMany = (iterations: unknown) =>
    typeof iterations === "number" && iterations > MAX_PBKDF2_ITERATIONS
      ? new DOMException(`Pbkdf2 failed: iteration counts above ${MAX_PBKDF2_ITERATIONS} are not supported (requested ${iterations}).`, "NotSupportedError")
      : null;
  return {
    ...real,
    pbkdf2Sync(...args: unknown[]) {
      const error = tooMany(args[2]);
      if (error) throw error;
      return real.pbkdf2Sync(...args);
    },
    pbkdf2(...args: unknown[]) {
      const error = tooMany(args[2]);
      const callback = args[5];
      if (!error) return real.pbkdf2(...args);
      // As node reports a failed computation: to the callback, never synchronously.
      if (typeof callback !== "function") throw error;
      queueMicrotask(() => callback(error));
    },
  };
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
