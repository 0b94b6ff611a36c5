import { expect, it } from "vitest";
import { PlatformError } from "../../runner/errors.ts";
import { QuotaExceeded, quotaError, quotaRefusal } from "../../runner/quota/resources.ts";

const RAISED = "tenant acme is over its kv_bytes quota (3503 of 3000 bytes with this change)";

it("quotaRefusal: quota_check's message, with or without the driver's prefix, names the resource", () => {
  for (const message of [RAISED, `PostgresError: ${RAISED}`]) {
    const refusal = quotaRefusal(new Error(message));
    expect(refusal).toBeInstanceOf(QuotaExceeded);
    expect(refusal?.resource).toBe("kv_bytes");
    expect(refusal?.message).toBe(RAISED);
    expect(refusal?.name).toBe("Error");
  }
});

it("quotaRefusal: other errors, unknown resources and look-alikes elsewhere in a message are not refusals", () => {
  expect(quotaRefusal(new Error("connection refused"))).toBeUndefined();
  expect(quotaRefusal(new Error("tenant acme is over its disk quota (1 of 0 bytes with this change)"))).toBeUndefined();
  expect(quotaRefusal(new Error(`KV PUT failed: ${RAISED}`))).toBeUndefined();
  expect(quotaRefusal(RAISED)).toBeUndefined();
});

it("quotaError: the admin edge's status per kind of quota", () => {
  const status = (resource: string, unit: string) => {
    const error = quotaError(new Error(`tenant t is over its ${resource} quota (2 of 1 ${unit} with this change)`));
    return error instanceof PlatformError ? [error.code, error.status] : error;
  };
  expect(status("r2_bytes", "bytes")).toEqual(["ERR_QUOTA_EXCEEDED", 413]);
  expect(status("queue_messages", "messages")).toEqual(["ERR_QUOTA_EXCEEDED", 413]);
  expect(status("workers", "workers")).toEqual(["ERR_QUOTA_EXCEEDED", 403]);
  expect(status("deploys_per_minute", "deploys")).toEqual(["ERR_QUOTA_EXCEEDED", 429]);
  const other = new Error("boom");
  expect(quotaError(other)).toBe(other);
});
