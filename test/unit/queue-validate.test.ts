import { expect, it } from "vitest";
import { QUEUE_LIMITS } from "../../runner/queue/constants.ts";
import { checkBatch, checkDelay, checkMessageSize, exposesErrorCodes, makeHandle, parseContentType, parseHandle } from "../../runner/queue/validate.ts";
import { toInt32 } from "../../runner/webidl.ts";
import { thrown } from "./thrown.ts";

it("parseContentType: the four types, case-insensitive; anything else in workerd's words", () => {
  expect(["text", "BYTES", "Json", "v8"].map(parseContentType)).toEqual(["text", "bytes", "json", "v8"]);
  expect(thrown(() => parseContentType("xml"))).toBe("TypeError: Unsupported queue message content type: xml");
  expect(thrown(() => parseContentType(undefined))).toBe("TypeError: Unsupported queue message content type: undefined");
});

it("toInt32: like a workerd int argument: NaN is 0, fractions truncate, 33 bits are refused", () => {
  expect([toInt32("5"), toInt32(1.9), toInt32(-0.5), toInt32(NaN), toInt32("abc"), toInt32(null)]).toEqual([5, 1, -0, 0, 0, 0]);
  expect(thrown(() => toInt32(2 ** 31))).toBe("TypeError: Value out of range. Must be between -2147483648 and 2147483647 (inclusive).");
});

it("exposesErrorCodes: from 2026-03-12, or with the flag; never with its disable flag", () => {
  expect(exposesErrorCodes("2026-03-11", [])).toBe(false);
  expect(exposesErrorCodes("2026-03-12", [])).toBe(true);
  expect(exposesErrorCodes("2025-01-01", ["queue_expose_error_codes"])).toBe(true);
  expect(exposesErrorCodes("2026-04-01", ["no_queue_expose_error_codes"])).toBe(false);
});

it("checkMessageSize: 128000 bytes pass; one more is refused in both wordings", () => {
  expect(() => checkMessageSize(QUEUE_LIMITS.MAX_MESSAGE_BYTES, true)).not.toThrow();
  expect(thrown(() => checkMessageSize(128_001, false))).toBe("Error: Queue send failed: message length of 128001 bytes exceeds limit of 128000");
  expect(thrown(() => checkMessageSize(128_001, true))).toBe("Error: message length of 128001 bytes exceeds limit of 128000 bytes (10204)");
});

it("checkBatch: count first, then the largest message, then the total", () => {
  expect(thrown(() => checkBatch(Array(101).fill(200_000), false))).toBe("Error: Queue sendBatch failed: batch message count of 101 exceeds limit of 100");
  expect(thrown(() => checkBatch([10, 200_000, 200_000], false))).toBe(
    "Error: Queue sendBatch failed: message in batch has length 200000 bytes which exceeds single message size limit of 128000",
  );
  expect(thrown(() => checkBatch([128_000, 128_000, 1], true))).toBe("Error: batch size of 256001 bytes exceeds limit of 256000 bytes (10205)");
  expect(() => checkBatch([128_000, 128_000], true)).not.toThrow();
});

it("checkDelay: whole seconds from 0 to 12 hours", () => {
  expect(checkDelay("send", 0, true)).toBe(0);
  expect(checkDelay("send", 43_200, true)).toBe(43_200);
  expect(thrown(() => checkDelay("send", 43_201, false))).toBe(
    "Error: Queue send failed: message delay 43201 is invalid: it must be between 0 and 43200 seconds",
  );
  expect(thrown(() => checkDelay("sendBatch", -1, true, true))).toBe("Error: message delay -1 is invalid: it must be between 0 and 43200 seconds (10202)");
});

it("handles: a lease and a message, 64 hex digits, and nothing else parses", () => {
  const lease = "0123456789abcdef0123456789abcdef";
  const message = "fedcba9876543210fedcba9876543210";
  expect(parseHandle(makeHandle("01234567-89ab-cdef-0123-456789abcdef", message))).toEqual({ lease, message });
  expect(thrown(() => parseHandle("x".repeat(64)))).toBe("TypeError: Invalid lease id: pass a leaseId returned by receive() unchanged.");
  expect(thrown(() => parseHandle(42))).toBe("TypeError: Invalid lease id: pass a leaseId returned by receive() unchanged.");
});
