// Pure queue input checks. The shim runs workerd's client-side ones (TypeErrors with workerd's
// wording); the runner runs them all again, because the shim lives in tenant code. Limit errors
// read as Cloudflare's do: "Queue send failed: <cause>" before compatibility date 2026-03-12,
// "<cause> (<code>)" from then on (`queue_expose_error_codes`).
import { CONTENT_TYPES, type ContentType, QUEUE_ERROR_CODES, QUEUE_FLAG_DATES, QUEUE_LIMITS } from "./constants.ts";

export type SendOperation = "send" | "sendBatch";

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** workerd's check, case-insensitive: https://github.com/cloudflare/workerd/blob/main/src/workerd/api/queue.c++ */
export function parseContentType(value: unknown): ContentType {
  const lower = String(value).toLowerCase();
  if ((CONTENT_TYPES as readonly string[]).includes(lower)) return lower as ContentType;
  throw new TypeError(`Unsupported queue message content type: ${String(value)}`);
}

/** Whether errors carry Cloudflare's error code, from the tenant's compatibility settings. */
export function exposesErrorCodes(compatibilityDate: string, flags: readonly string[]): boolean {
  if (flags.includes("no_queue_expose_error_codes")) return false;
  return flags.includes("queue_expose_error_codes") || compatibilityDate >= QUEUE_FLAG_DATES.EXPOSE_ERROR_CODES;
}

/** A refused send (or another queue call), worded as Cloudflare words it for the tenant's compatibility date. */
export function sendError(operation: string, cause: string, code: number, coded: boolean): Error {
  return new Error(coded ? `${cause} (${code})` : `Queue ${operation} failed: ${cause}`);
}

const bytesUnit = (coded: boolean) => (coded ? " bytes" : "");

export function checkDelay(operation: SendOperation, seconds: number, coded: boolean, batchOption = false): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > QUEUE_LIMITS.MAX_DELAY_SECONDS) {
    const code = batchOption ? QUEUE_ERROR_CODES.BATCH_DELAY_INVALID : QUEUE_ERROR_CODES.MESSAGE_METADATA_INVALID;
    throw sendError(operation, `message delay ${seconds} is invalid: it must be between 0 and ${QUEUE_LIMITS.MAX_DELAY_SECONDS} seconds`, code, coded);
  }
  return seconds;
}

export function checkMessageSize(size: number, coded: boolean): void {
  if (size > QUEUE_LIMITS.MAX_MESSAGE_BYTES) {
    throw sendError(
      "send",
      `message length of ${size} bytes exceeds limit of ${QUEUE_LIMITS.MAX_MESSAGE_BYTES}${bytesUnit(coded)}`,
      QUEUE_ERROR_CODES.MESSAGE_SIZE_OUT_OF_BOUNDS,
      coded,
    );
  }
}

/** The batch checks in the order Cloudflare's broker makes them: count, largest message, total. */
export function checkBatch(sizes: readonly number[], coded: boolean): void {
  if (sizes.length > QUEUE_LIMITS.MAX_BATCH_MESSAGES) {
    throw sendError(
      "sendBatch",
      `batch message count of ${sizes.length} exceeds limit of ${QUEUE_LIMITS.MAX_BATCH_MESSAGES}`,
      QUEUE_ERROR_CODES.BATCH_COUNT_OUT_OF_BOUNDS,
      coded,
    );
  }
  const largest = Math.max(0, ...sizes);
  if (largest > QUEUE_LIMITS.MAX_MESSAGE_BYTES) {
    throw sendError(
      "sendBatch",
      `message in batch has length ${largest} bytes which exceeds single message size limit of ${QUEUE_LIMITS.MAX_MESSAGE_BYTES}${bytesUnit(coded)}`,
      QUEUE_ERROR_CODES.MESSAGE_SIZE_OUT_OF_BOUNDS,
      coded,
    );
  }
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total > QUEUE_LIMITS.MAX_BATCH_BYTES) {
    throw sendError(
      "sendBatch",
      `batch size of ${total} bytes exceeds limit of ${QUEUE_LIMITS.MAX_BATCH_BYTES}${bytesUnit(coded)}`,
      QUEUE_ERROR_CODES.BATCH_SIZE_OUT_OF_BOUNDS,
      coded,
    );
  }
}

/** `receive()` batch size: the portable 1-10. */
export function checkPullBatchSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > QUEUE_LIMITS.MAX_PULL_BATCH) {
    throw new RangeError(`batchSize must be a whole number from 1 to ${QUEUE_LIMITS.MAX_PULL_BATCH}, got ${size}.`);
  }
  return size;
}

export function checkVisibilityTimeout(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > QUEUE_LIMITS.MAX_VISIBILITY_TIMEOUT_MS) {
    throw new RangeError(
      `visibility timeout must be a whole number of milliseconds from 0 to ${QUEUE_LIMITS.MAX_VISIBILITY_TIMEOUT_MS} (12 hours), got ${ms}.`,
    );
  }
  return ms;
}

/**
 * A receipt handle: the lease and the message, 64 hex digits. Opaque to callers; parsed only to
 * find the row, and a row matches only while it still holds that lease.
 */
export function parseHandle(handle: unknown): { lease: string; message: string } {
  if (typeof handle !== "string" || !/^[0-9a-f]{64}$/.test(handle)) {
    throw new TypeError("Invalid lease id: pass a leaseId returned by receive() unchanged.");
  }
  return { lease: handle.slice(0, 32), message: handle.slice(32) };
}

export function makeHandle(lease: string, message: string): string {
  return `${lease.replaceAll("-", "")}${message.replaceAll("-", "")}`;
}
