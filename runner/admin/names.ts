// The names a deploy gives: binding names (keys of the worker's `env`), module names (keys of the
// isolate's module registry, beside the platform's own modules and the built-ins), worker and
// secret names. Pure, so the binding kinds' deploy fields (runner/*/binding.ts) use them too.
import { z } from "zod/v4";
import { UNSTORABLE_TEXT, isStorableText } from "../storable-text.ts";
import { DNS_LABEL } from "../dispatch/hosts.ts";
import { SECRET_LIMITS } from "../vault/constants.ts";

/**
 * Keys that reach an object's prototype machinery instead of naming a property of their own:
 * as a key of `env` they break or vanish, and zod's record check reads `input.constructor`.
 */
export const RESERVED_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Why `name` cannot be a binding name (an `env` key), or null when it can. */
export function bindingNameProblem(name: string): string | null {
  if (!IDENTIFIER.test(name)) return `Binding name ${JSON.stringify(name)} is not a JavaScript identifier of at most 64 characters.`;
  if (RESERVED_KEYS.includes(name)) return `Binding name ${name} is reserved (__proto__, constructor and prototype cannot be env keys).`;
  if (name.startsWith("__outpost")) return `Binding name ${name} is reserved (names starting with __outpost are the platform's).`;
  return null;
}

/**
 * Why `name` cannot be a module name, or null when it can. Names are relative paths inside the
 * version: a scheme (`cloudflare:`, `node:`, `workerd:`) would replace a built-in module, `..`
 * (also as `%2e`) or `\` could climb out of it, and `__outpost*` are the platform's modules.
 */
export function moduleNameProblem(name: string): string | null {
  const quoted = JSON.stringify(name);
  if (name.length === 0 || name.length > 256) return "Module names are 1-256 characters.";
  if (name.includes(":")) return `Module name ${quoted} has a scheme or ':'; module names are relative paths, and built-in modules cannot be replaced.`;
  if (name.includes("..") || /%2e/i.test(name) || name.includes("\\")) return `Module name ${quoted} contains '..', '%2e' or '\\'.`;
  if (name.startsWith("/") || name.split("/").some((part) => part === "" || part === ".")) {
    return `Module name ${quoted} is not a relative path (no leading '/', no empty or '.' segments).`;
  }
  if (name.startsWith("__outpost")) return `Module name ${quoted} is reserved (names starting with __outpost are the platform's).`;
  return null;
}

/** A check of one name as a zod refinement: the problem is the issue's message. */
function named(problem: (name: string) => string | null) {
  return z.string().superRefine((name, ctx) => {
    const message = problem(name);
    if (message !== null) ctx.addIssue({ code: "custom", message });
  });
}

export const BindingNameSchema = named(bindingNameProblem);

export const ModuleNameSchema = named(moduleNameProblem);

/** Free text the database keeps (a module, a deploy message, a token name): see storable-text.ts. */
export const StoredTextSchema = z.string().refine(isStorableText, UNSTORABLE_TEXT);
export const WorkerNameSchema = z.string().regex(DNS_LABEL, "Worker names are 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.");

export const SecretNameSchema = z.string().regex(SECRET_LIMITS.NAME_PATTERN, "Secret names are 1-128 letters, digits, '_', '.' and '-'.");

/**
 * `z.record`, safe for untrusted keys: zod's record reads `input.constructor` (so
 * `"constructor": null` throws inside safeParse), assigns each key to a plain object (so
 * `__proto__` vanishes) and reports a bad key only as "Invalid key in record". Keys are checked
 * here first, each refusal with the key schema's message at the key's path.
 */
export function safeRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) {
  return z.preprocess(
    (input, ctx) => {
      if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
      const entries = Object.entries(input).filter(([name]) => {
        const result = key.safeParse(name);
        const messages = RESERVED_KEYS.includes(name) && result.success ? [`${name} is reserved.`] : (result.error?.issues.map((issue) => issue.message) ?? []);
        for (const message of messages) ctx.addIssue({ code: "custom", path: [name], message, input });
        return messages.length === 0;
      });
      return Object.fromEntries(entries);
    },
    z.record(key, value),
  );
}
