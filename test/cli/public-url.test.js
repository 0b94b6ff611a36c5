import { describe, expect, it } from "vitest";
import { publicUrlConfig } from "../../cli/public-url.js";

describe("publicUrlConfig", () => {
  it("publicUrlConfig: the base domain and the public port by default", () => {
    expect(publicUrlConfig({}, "localhost", 9000)).toEqual({ publicUrl: "http://localhost:9000" });
  });

  it("publicUrlConfig: OUTPOST_PUBLIC_URL, an origin behind a proxy", () => {
    expect(publicUrlConfig({ OUTPOST_PUBLIC_URL: "https://workers.example.com/" }, "localhost", 9000)).toEqual({ publicUrl: "https://workers.example.com" });
    expect(publicUrlConfig({ OUTPOST_PUBLIC_URL: "http://example.com:8080" }, "localhost", 9000)).toEqual({ publicUrl: "http://example.com:8080" });
  });

  it("publicUrlConfig: anything but an http(s) origin is refused, naming the variable", () => {
    for (const value of ["example.com", "ftp://example.com", "https://example.com/workers", "https://user@example.com", ""]) {
      expect(() => publicUrlConfig({ OUTPOST_PUBLIC_URL: value }, "localhost", 9000)).toThrow(
        `OUTPOST_PUBLIC_URL must be an http(s) origin without a path, such as https://example.com, got ${value}`,
      );
    }
  });
});
