import { describe, expect, it } from "vitest";
import { invocationLimitsConfig } from "../../cli/invocation-limits-config.js";

describe("invocationLimitsConfig", () => {
  it("invocationLimitsConfig: the defaults are Cloudflare's paid ones, and 1,000 WebSockets", () => {
    expect(invocationLimitsConfig({})).toEqual({ maxSubrequests: 10_000, waitUntilSeconds: 30, maxWebSocketsPerIsolate: 1_000 });
  });

  it("invocationLimitsConfig: reads the operator's settings", () => {
    const env = { OUTPOST_MAX_SUBREQUESTS: "50", OUTPOST_WAIT_UNTIL_SECONDS: "5", OUTPOST_MAX_WEBSOCKETS: "20" };
    expect(invocationLimitsConfig(env)).toEqual({ maxSubrequests: 50, waitUntilSeconds: 5, maxWebSocketsPerIsolate: 20 });
  });

  it("invocationLimitsConfig: bad values are refused, naming the variable", () => {
    for (const value of ["0", "1.5", "lots", "-3"]) {
      expect(() => invocationLimitsConfig({ OUTPOST_MAX_SUBREQUESTS: value })).toThrow(
        `OUTPOST_MAX_SUBREQUESTS must be a whole number of subrequests, at least 1, got ${value}`,
      );
      expect(() => invocationLimitsConfig({ OUTPOST_WAIT_UNTIL_SECONDS: value })).toThrow(
        `OUTPOST_WAIT_UNTIL_SECONDS must be a whole number of seconds, at least 1, got ${value}`,
      );
    }
  });
});
