import { describe, expect, it } from "vitest";
import { requestBodyConfig } from "../../cli/request-body-config.js";

describe("requestBodyConfig", () => {
  it("requestBodyConfig: the default is Cloudflare's 100 MB", () => {
    expect(requestBodyConfig({})).toEqual({ maxRequestBodyBytes: 100_000_000 });
  });

  it("requestBodyConfig: reads the operator's setting in megabytes", () => {
    expect(requestBodyConfig({ OUTPOST_MAX_REQUEST_BODY_MB: "500" })).toEqual({ maxRequestBodyBytes: 500_000_000 });
  });

  it("requestBodyConfig: bad values are refused, naming the variable", () => {
    for (const value of ["0", "1.5", "lots", "-3"]) {
      expect(() => requestBodyConfig({ OUTPOST_MAX_REQUEST_BODY_MB: value })).toThrow(
        `OUTPOST_MAX_REQUEST_BODY_MB must be a whole number of megabytes, at least 1, got ${value}`,
      );
    }
  });
});
