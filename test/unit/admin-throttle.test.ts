import { expect, it } from "vitest";
import { FailureThrottle } from "../../runner/admin/throttle.ts";
import { clientAddress } from "../../runner/client-address.ts";

const LIMITS = { MAX_FAILURES: 3, WINDOW_MS: 60_000, MAX_ADDRESSES: 4, MAX_LOGGED_PER_WINDOW: 5 };

function throttleAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, throttle: new FailureThrottle(LIMITS, () => clock.now) };
}

it("clientAddress: the port is dropped from IPv4 and bracketed IPv6 addresses", () => {
  expect(clientAddress("127.0.0.1:58768")).toBe("127.0.0.1");
  expect(clientAddress("[::1]:58768")).toBe("::1");
  expect(clientAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
  expect(clientAddress("[::1]")).toBe("::1");
});

it("clientAddress: bare addresses stay, IPv4-in-IPv6 counts as IPv4, anything else is 'unknown'", () => {
  expect(clientAddress("127.0.0.2")).toBe("127.0.0.2");
  expect(clientAddress("::1")).toBe("::1");
  expect(clientAddress("[::ffff:127.0.0.1]:80")).toBe("127.0.0.1");
  expect(clientAddress(undefined)).toBe("unknown");
  expect(clientAddress("")).toBe("unknown");
  expect(clientAddress(42)).toBe("unknown");
});

it("throttle: an address is refused after MAX_FAILURES failures until its window ends", () => {
  const { clock, throttle } = throttleAt();
  expect(throttle.retryAfterMs("a")).toBe(0);
  for (let i = 1; i <= 3; i++) expect(throttle.fail("a").failures).toBe(i);
  expect(throttle.retryAfterMs("a")).toBe(60_000);
  clock.now += 59_000;
  expect(throttle.retryAfterMs("a")).toBe(1_000);
  clock.now += 1_000;
  expect(throttle.retryAfterMs("a")).toBe(0);
  expect(throttle.fail("a").failures).toBe(1);
});

it("throttle: other addresses are unaffected", () => {
  const { throttle } = throttleAt();
  for (let i = 0; i < 3; i++) throttle.fail("a");
  expect(throttle.retryAfterMs("a")).toBeGreaterThan(0);
  expect(throttle.retryAfterMs("b")).toBe(0);
  expect(throttle.fail("b").failures).toBe(1);
});

it("throttle: the first failure of a window and the one that starts the refusal are logged", () => {
  const { throttle } = throttleAt();
  expect([1, 2, 3, 4].map(() => throttle.fail("a").log)).toEqual([true, false, true, false]);
});

it("throttle: logging is bounded per window over all addresses", () => {
  const { clock, throttle } = throttleAt();
  expect(["a", "b", "c", "d", "e", "f"].map((address) => throttle.fail(address).log)).toEqual([true, true, true, true, true, false]);
  clock.now += 60_000;
  expect(throttle.fail("g").log).toBe(true);
});

it("throttle: at most MAX_ADDRESSES windows are kept, ended ones dropped first, then the oldest", () => {
  const { clock, throttle } = throttleAt();
  for (let i = 0; i < 3; i++) throttle.fail("old");
  clock.now += 30_000;
  for (const address of ["b", "c", "d"]) for (let i = 0; i < 3; i++) throttle.fail(address);
  throttle.fail("e"); // the fifth address: the oldest running window ("old") is forgotten
  expect(throttle.retryAfterMs("old")).toBe(0);
  expect(throttle.retryAfterMs("b")).toBeGreaterThan(0);
  clock.now += 60_000; // b, c, d and e ended: a new address drops them, not a running window
  throttle.fail("f");
  for (const address of ["g", "h", "i"]) throttle.fail(address);
  for (let i = 0; i < 2; i++) throttle.fail("f");
  expect(throttle.retryAfterMs("f")).toBeGreaterThan(0);
});
