import type { z } from "zod/v4";

/**
 * Errors a binding throws into tenant code. The message is Cloudflare's exact wording, e.g.
 * "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.";
 * RPC carries only name and message across the isolate boundary, so the message is the API.
 */
export class BindingError extends Error {
  override name = "Error";
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${operation} failed: ${status} ${detail}`);
  }
}

export type PlatformErrorCode =
  | "ERR_BAD_REQUEST"
  | "ERR_UNAUTHORIZED"
  | "ERR_FORBIDDEN"
  | "ERR_NOT_FOUND"
  | "ERR_CONFLICT"
  | "ERR_TOO_LARGE"
  | "ERR_QUOTA_EXCEEDED"
  | "ERR_INVALID_CURSOR"
  | "ERR_EGRESS_REFUSED"
  | "ERR_INTERNAL";

/** An error an operator or deployer sees: a stable code, an HTTP status and what to change. */
export class PlatformError extends Error {
  constructor(
    readonly code: PlatformErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "PlatformError";
  }
}

/**
 * A validator for one binding's RPC arguments: the shims send well-formed ones, so a failure
 * means a crafted call on the raw stub, answered with a TypeError that names what was wrong.
 */
export function argumentParser(binding: string) {
  return <T>(schema: z.ZodType<T>, value: unknown): T => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new TypeError(`Invalid argument to the ${binding} binding: ${result.error.issues.map((issue) => issue.message).join("; ")}`);
  };
}
