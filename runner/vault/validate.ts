import { SECRET_LIMITS } from "./constants.ts";
import { isWellFormedText } from "../storable-text.ts";

const encoder = new TextEncoder();

/** Why a secret name or value is refused, or null when it is fine. */
export function secretProblem(name: unknown, value?: unknown): string | null {
  if (typeof name !== "string" || !SECRET_LIMITS.NAME_PATTERN.test(name)) {
    return "Secret names are 1-128 letters, digits, '_', '.' and '-'.";
  }
  if (value === undefined) return null;
  if (typeof value !== "string") return "Secret values are strings.";
  // Kept encrypted as UTF-8, which cannot carry a lone surrogate: refused rather than altered.
  if (!isWellFormedText(value)) return "Secret values must be well-formed Unicode (no unpaired UTF-16 surrogates).";
  const bytes = encoder.encode(value).byteLength;
  if (bytes > SECRET_LIMITS.MAX_VALUE_BYTES) return `The value is ${bytes} bytes; the limit is ${SECRET_LIMITS.MAX_VALUE_BYTES}.`;
  return null;
}
