import { describe, expect, it } from "vitest";
import { suspensionConfig } from "../../cli/suspension-config.js";

describe("suspensionConfig", () => {
  it("suspensionConfig: defaults are 3 incidents within 600 seconds", () => {
    expect(suspensionConfig({})).toEqual({ suspendAfter: 3, suspendWindowSeconds: 600 });
  });

  it("suspensionConfig: reads the operator's settings", () => {
    expect(suspensionConfig({ OUTPOST_SUSPEND_AFTER: "1", OUTPOST_SUSPEND_WINDOW_SECONDS: "3600" })).toEqual({ suspendAfter: 1, suspendWindowSeconds: 3600 });
  });

  it("suspensionConfig: bad values are refused, naming the variable", () => {
    expect(() => suspensionConfig({ OUTPOST_SUSPEND_AFTER: "0" })).toThrow("OUTPOST_SUSPEND_AFTER must be a whole number of incidents, at least 1, got 0");
    expect(() => suspensionConfig({ OUTPOST_SUSPEND_WINDOW_SECONDS: "1.5" })).toThrow(
      "OUTPOST_SUSPEND_WINDOW_SECONDS must be a whole number of seconds, at least 1, got 1.5",
    );
  });
});
