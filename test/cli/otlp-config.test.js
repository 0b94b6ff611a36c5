import { describe, expect, it } from "vitest";
import { otlpConfig } from "../../cli/otlp-config.js";

describe("otlpConfig", () => {
  it("unset or empty: no export", () => {
    expect(otlpConfig({})).toEqual({ otlpLogsUrl: null });
    expect(otlpConfig({ OUTPOST_OTLP_LOGS_URL: "" })).toEqual({ otlpLogsUrl: null });
  });

  it("reads OUTPOST_OTLP_LOGS_URL, an http or https URL", () => {
    expect(otlpConfig({ OUTPOST_OTLP_LOGS_URL: "http://127.0.0.1:4318/v1/logs" })).toEqual({ otlpLogsUrl: "http://127.0.0.1:4318/v1/logs" });
    expect(otlpConfig({ OUTPOST_OTLP_LOGS_URL: "https://otel.example/v1/logs" })).toEqual({ otlpLogsUrl: "https://otel.example/v1/logs" });
  });

  it("refuses another scheme, credentials in the URL, or what is not a URL", () => {
    for (const value of ["127.0.0.1:4318/v1/logs", "ftp://127.0.0.1/v1/logs", "http://user:secret@127.0.0.1:4318/v1/logs", "not a url"]) {
      expect(() => otlpConfig({ OUTPOST_OTLP_LOGS_URL: value }), value).toThrow(
        `OUTPOST_OTLP_LOGS_URL must be an http:// or https:// URL without credentials (a collector's logs endpoint, e.g. http://127.0.0.1:4318/v1/logs), got ${value}`,
      );
    }
  });
});
