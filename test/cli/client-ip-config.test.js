import { describe, expect, it } from "vitest";
import { clientIpConfig } from "../../cli/client-ip-config.js";

describe("clientIpConfig", () => {
  it("clientIpConfig: unset or empty, no header is trusted", () => {
    expect(clientIpConfig({})).toEqual({ clientIpHeader: null });
    expect(clientIpConfig({ OUTPOST_CLIENT_IP_HEADER: " " })).toEqual({ clientIpHeader: null });
  });

  it("clientIpConfig: a header name, in lower case", () => {
    expect(clientIpConfig({ OUTPOST_CLIENT_IP_HEADER: "X-Forwarded-For" })).toEqual({ clientIpHeader: "x-forwarded-for" });
  });

  it("clientIpConfig: what is not a header name is refused, naming the variable", () => {
    for (const value of ["x forwarded", "x-forwarded-for:", "é"]) {
      expect(() => clientIpConfig({ OUTPOST_CLIENT_IP_HEADER: value })).toThrow(
        `OUTPOST_CLIENT_IP_HEADER must be a header name such as x-forwarded-for, got ${value}`,
      );
    }
  });
});
