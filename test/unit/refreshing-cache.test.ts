import { expect, it } from "vitest";
import { RefreshingCache } from "../../runner/dispatch/refreshing-cache.ts";

/** A load the test settles by hand, standing in for a query still on its way. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const ctx = { waitUntil: (promise: Promise<unknown>) => void promise.catch(() => {}) };

it("RefreshingCache: a value is loaded once, then served from memory", async () => {
  const cache = new RefreshingCache<string>(60_000, 10);
  let loads = 0;
  const load = async () => `value ${++loads}`;
  expect(await cache.get("k", ctx, load)).toBe("value 1");
  expect(await cache.get("k", ctx, load)).toBe("value 1");
  expect(loads).toBe(1);
});

it("RefreshingCache: a load that began before forget() answers its caller but is not kept", async () => {
  const cache = new RefreshingCache<string>(60_000, 10);
  const old = deferred<string>();
  const reading = cache.get("k", ctx, () => old.promise);
  cache.forget("k"); // the change commits while the old read is on its way
  old.resolve("before the change");
  expect(await reading).toBe("before the change");
  expect(await cache.get("k", ctx, async () => "after the change")).toBe("after the change");
});

it("RefreshingCache: a load that began before clear() is not kept either", async () => {
  const cache = new RefreshingCache<string>(60_000, 10);
  const old = deferred<string>();
  const reading = cache.get("all", ctx, () => old.promise);
  cache.clear();
  old.resolve("before the change");
  await reading;
  expect(await cache.get("all", ctx, async () => "after the change")).toBe("after the change");
});

it("RefreshingCache: holds at most maxEntries keys, dropping the oldest", async () => {
  const cache = new RefreshingCache<string>(60_000, 2);
  for (const key of ["a", "b", "c"]) await cache.get(key, ctx, async () => key);
  expect(await cache.get("a", ctx, async () => "reloaded")).toBe("reloaded");
  expect(await cache.get("c", ctx, async () => "reloaded")).toBe("c");
});
