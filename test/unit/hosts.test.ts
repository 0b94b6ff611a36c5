import { expect, it } from "vitest";
import {
  coveringDomains,
  isUnderBaseDomain,
  ownerOf,
  parseDomain,
  routeNeeds,
  tooBroadForTenants,
  touchesBaseDomain,
  unownedNeed,
} from "../../runner/dispatch/hosts.ts";
import { parsePattern, type RoutePattern } from "../../runner/dispatch/patterns.ts";

const route = (pattern: string) => parsePattern(pattern) as RoutePattern;

it("parseDomain: normalises case and the trailing dot; accepts *. wildcards", () => {
  expect(parseDomain("Shop.Example.COM.")).toBe("shop.example.com");
  expect(parseDomain("*.Example.com")).toBe("*.example.com");
});

it("parseDomain: refuses what is not a host name", () => {
  for (const text of [
    "*example.com",
    "a.*.example.com",
    "exa_mple.com",
    "-a.example.com",
    "example..com",
    "",
    "*.",
    `${"a".repeat(64)}.com`,
    "example.com:80",
  ]) {
    expect(parseDomain(text), text).toEqual({ error: expect.stringContaining("is not a domain") });
  }
});

it("coveringDomains: the host itself, then wildcards over each parent", () => {
  expect(coveringDomains("a.b.example.com")).toEqual(["a.b.example.com", "*.b.example.com", "*.example.com", "*.com"]);
  expect(coveringDomains("*.b.example.com")).toEqual(["*.b.example.com", "*.example.com", "*.com"]);
  expect(coveringDomains("example.com")).toEqual(["example.com", "*.com"]);
});

it("routeNeeds: x needs x, *.d needs *.d, *d needs d and *.d", () => {
  expect(routeNeeds(route("shop.example.com/*"))).toEqual(["shop.example.com"]);
  expect(routeNeeds(route("*.example.com/*"))).toEqual(["*.example.com"]);
  expect(routeNeeds(route("*example.com/*"))).toEqual(["example.com", "*.example.com"]);
});

it("unownedNeed: an exact host is owned exactly or under a wildcard, at any depth", () => {
  expect(unownedNeed(route("shop.example.com/*"), new Set(["shop.example.com"]))).toBeNull();
  expect(unownedNeed(route("a.b.example.com/*"), new Set(["*.example.com"]))).toBeNull();
  expect(unownedNeed(route("shop.example.com/*"), new Set(["example.com"]))).toBe("shop.example.com");
  expect(unownedNeed(route("example.com/*"), new Set(["*.example.com"]))).toBe("example.com");
});

it("unownedNeed: *.d needs a wildcard covering *.d; owning hosts under it is not enough", () => {
  expect(unownedNeed(route("*.shop.example.com/*"), new Set(["*.example.com"]))).toBeNull();
  expect(unownedNeed(route("*.example.com/*"), new Set(["example.com", "www.example.com"]))).toBe("*.example.com");
  expect(unownedNeed(route("*.example.com/*"), new Set(["*.shop.example.com"]))).toBe("*.example.com");
});

it("unownedNeed: *d needs both d and *.d", () => {
  expect(unownedNeed(route("*example.com/*"), new Set(["example.com", "*.example.com"]))).toBeNull();
  expect(unownedNeed(route("*example.com/*"), new Set(["example.com"]))).toBe("*.example.com");
  expect(unownedNeed(route("*example.com/*"), new Set(["*.example.com"]))).toBe("example.com");
});

it("ownerOf: the exact registration or the wildcard over the host; the apex is not under its wildcard", () => {
  const owners = new Map([
    ["alpha.example.com", "a"],
    ["*.beta.example.com", "b"],
  ]);
  expect(ownerOf("alpha.example.com", owners)).toBe("a");
  expect(ownerOf("x.y.beta.example.com", owners)).toBe("b");
  expect(ownerOf("beta.example.com", owners)).toBeNull();
  expect(ownerOf("x.alpha.example.com", owners)).toBeNull();
});

it("isUnderBaseDomain / touchesBaseDomain: the base domain, hosts under it, and wildcards that would cover them", () => {
  expect(isUnderBaseDomain("localhost", "localhost")).toBe(true);
  expect(isUnderBaseDomain("alpha.localhost", "localhost")).toBe(true);
  expect(isUnderBaseDomain("notlocalhost", "localhost")).toBe(false);
  expect(touchesBaseDomain("*.localhost", "localhost")).toBe(true);
  expect(touchesBaseDomain("*.a.localhost", "localhost")).toBe(true);
  expect(touchesBaseDomain("*.com", "workers.example.com")).toBe(true);
  expect(touchesBaseDomain("*.example.com", "workers.example.com")).toBe(true);
  expect(touchesBaseDomain("example.com", "workers.example.com")).toBe(false);
  expect(touchesBaseDomain("*.other.com", "workers.example.com")).toBe(false);
});

it("tooBroadForTenants: a wildcard over a single label", () => {
  expect(tooBroadForTenants("*.com")).toBe(true);
  expect(tooBroadForTenants("*.example.com")).toBe(false);
  expect(tooBroadForTenants("com")).toBe(false);
});
