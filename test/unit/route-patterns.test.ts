import { expect, it } from "vitest";
import { matchesRoute, parsePattern, requestHostname, type RoutePattern } from "../../runner/dispatch/patterns.ts";

const parsed = (pattern: string) => parsePattern(pattern) as RoutePattern;

it("parsePattern: the host is normalised, so spellings of one pattern compare equal", () => {
  for (const spelling of [
    "alpha.example.com/*",
    "ALPHA.EXAMPLE.COM/*",
    "HTTP://Alpha.Example.com./*",
    "https://alpha.example.com:8443/*",
    "alpha.example.com.:80/*",
  ]) {
    expect(parsed(spelling).pattern).toBe("alpha.example.com/*");
  }
});

it("parsePattern: the path is kept as written (paths are case-sensitive)", () => {
  expect(parsed("Example.com/Admin/*").pattern).toBe("example.com/Admin/*");
  expect(parsed("example.com/Admin/*").path).toBe("/Admin/");
});

it("parsePattern: no path means /", () => {
  expect(parsed("example.com")).toMatchObject({ pattern: "example.com/", path: "/", pathWildcard: false });
});

it("parsePattern: host wildcards keep their kind", () => {
  expect(parsed("*.Example.com/*")).toMatchObject({ pattern: "*.example.com/*", hostWildcard: true, host: ".example.com" });
  expect(parsed("*Example.com/*")).toMatchObject({ pattern: "*example.com/*", hostWildcard: true, host: "example.com" });
});

it("parsePattern: invalid patterns say why", () => {
  expect(parsePattern("exa*mple.com/*")).toBe('"exa*mple.com" is not a valid route host; a "*" may only open it.');
  expect(parsePattern("example.com:http/*")).toBe('"example.com:http" is not a valid route host; a "*" may only open it.');
  expect(parsePattern("example.com/a*b")).toBe('"/a*b": a "*" may only end the path.');
  expect(parsePattern(".example.com/*")).toBe('".example.com" is not a valid route host.');
});

it("parsePattern: each part of the host is a DNS label (at most 63 characters, no edge dash, none empty)", () => {
  expect(parsed(`*.${"a".repeat(63)}.example.com/`)).toMatchObject({ host: `.${"a".repeat(63)}.example.com` });
  for (const host of [`${"a".repeat(64)}.example.com`, "-a.example.com", "a-.example.com", "a..example.com", "*", "*."]) {
    expect(parsePattern(`${host}/*`)).toBe(`"${host}" is not a valid route host; a "*" may only open it.`);
  }
});

it("requestHostname: lower case, without port or trailing dot", () => {
  expect(requestHostname("Alpha.Example.COM.:8787")).toBe("alpha.example.com");
  expect(requestHostname("alice.localhost")).toBe("alice.localhost");
});

it("matchesRoute: a case variant of a pattern matches exactly what the pattern matches", () => {
  const route = parsed("ALPHA.EXAMPLE.COM/*");
  expect(matchesRoute(route, "alpha.example.com", "/x")).toBe(true);
  expect(matchesRoute(route, "beta.example.com", "/x")).toBe(false);
});
