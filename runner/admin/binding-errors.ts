// Admin routes that read and write tenant data (runner/kv/admin.ts, runner/r2/admin.ts) call the
// binding's own entrypoint, so input is checked by the same code and refused in Cloudflare's
// words. Here such a refusal becomes the admin edge's error, keeping the binding's wording; an
// internal failure stays one (the edge answers 500 and logs it).
import { PlatformError } from "../errors.ts";
import { R2_ERRORS } from "../r2/constants.ts";

// "KV PUT failed: 413 Value length of … exceeds limit of …." (errors.ts BindingError)
const KV_REFUSAL = /^KV [A-Z_]+ failed: (\d{3}) (.*)$/s;
// "put: The specified object name is not valid. (10020)" (r2/errors.ts R2Error)
const R2_REFUSAL = /^\w+: (.*) \((\d+)\)$/s;

/** Runs a binding call, answering its refusals as PlatformErrors. */
export async function bindingCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw refusal(error) ?? error;
  }
}

function refusal(error: unknown): PlatformError | null {
  if (!(error instanceof Error)) return null;
  const kv = KV_REFUSAL.exec(error.message);
  if (kv) {
    const status = Number(kv[1]);
    if (status >= 500) return null;
    return new PlatformError(status === 413 || status === 414 ? "ERR_TOO_LARGE" : "ERR_BAD_REQUEST", status, kv[2] as string);
  }
  const r2 = R2_REFUSAL.exec(error.message);
  if (r2) {
    const code = Number(r2[2]);
    if (code === R2_ERRORS.INTERNAL.code) return null;
    return code === R2_ERRORS.ENTITY_TOO_LARGE.code || code === R2_ERRORS.METADATA_TOO_LARGE.code
      ? new PlatformError("ERR_TOO_LARGE", 413, error.message)
      : new PlatformError("ERR_BAD_REQUEST", 400, error.message);
  }
  // The entrypoints' shape checks (argumentParser) and workerd's own conversions throw TypeErrors.
  if (error.name === "TypeError" || error.name === "RangeError") return new PlatformError("ERR_BAD_REQUEST", 400, error.message);
  return null;
}
