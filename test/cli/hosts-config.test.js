import { describe, expect, it } from "vitest";
import { hostsConfig } from "../../cli/hosts-config.js";

describe("hostsConfig", () => {
  it("hostsConfig: defaults are closed claims, no reserved names, 7 grace days", () => {
    expect(hostsConfig({})).toEqual({ reservedNames: [], nameGraceDays: 7, domainClaims: "closed" });
  });

  it("hostsConfig: reads the operator's settings; reserved names are trimmed and lower-cased", () => {
    expect(hostsConfig({ OUTPOST_DOMAIN_CLAIMS: "open", OUTPOST_RESERVED_NAMES: " www, Status ,,", OUTPOST_NAME_GRACE_DAYS: "0" })).toEqual({
      reservedNames: ["www", "status"],
      nameGraceDays: 0,
      domainClaims: "open",
    });
  });

  it("hostsConfig: bad values are refused, naming the variable", () => {
    expect(() => hostsConfig({ OUTPOST_DOMAIN_CLAIMS: "yes" })).toThrow("OUTPOST_DOMAIN_CLAIMS must be open or closed, got yes");
    expect(() => hostsConfig({ OUTPOST_NAME_GRACE_DAYS: "1.5" })).toThrow("OUTPOST_NAME_GRACE_DAYS must be a whole number of days, got 1.5");
    expect(() => hostsConfig({ OUTPOST_NAME_GRACE_DAYS: "-1" })).toThrow("OUTPOST_NAME_GRACE_DAYS must be a whole number of days, got -1");
  });
});
