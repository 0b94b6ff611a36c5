import { describe, expect, it } from "vitest";
import { logRetentionConfig } from "../../cli/log-retention.js";

describe("logRetentionConfig", () => {
  it("defaults: 1000 invocations and 72 hours per worker", () => {
    expect(logRetentionConfig({})).toEqual({ logRetentionEvents: 1000, logRetentionHours: 72 });
  });

  it("reads OUTPOST_LOG_RETENTION_EVENTS and OUTPOST_LOG_RETENTION_HOURS", () => {
    expect(logRetentionConfig({ OUTPOST_LOG_RETENTION_EVENTS: "5", OUTPOST_LOG_RETENTION_HOURS: "1" })).toEqual({
      logRetentionEvents: 5,
      logRetentionHours: 1,
    });
  });

  it("refuses what is not a whole number of at least 1", () => {
    expect(() => logRetentionConfig({ OUTPOST_LOG_RETENTION_EVENTS: "0" })).toThrow(
      "OUTPOST_LOG_RETENTION_EVENTS must be a whole number of invocations, at least 1, got 0",
    );
    expect(() => logRetentionConfig({ OUTPOST_LOG_RETENTION_HOURS: "1.5" })).toThrow(
      "OUTPOST_LOG_RETENTION_HOURS must be a whole number of hours, at least 1, got 1.5",
    );
  });
});
