import { expect, it } from "vitest";
import "../../shims/index.ts";

it("cache: caches.default stores nothing and always misses, as on workers.dev", async () => {
  const url = "https://example.com/cached";
  await caches.default.put(url, new Response("body", { headers: { "cache-control": "max-age=600" } }));
  expect(await caches.default.match(url)).toBeUndefined();
  expect(await caches.default.delete(url)).toBe(false);
});

it("cache: a named cache from caches.open() does the same", async () => {
  const cache = await caches.open("mine");
  const request = new Request("https://example.com/named");
  await cache.put(request, new Response("body", { headers: { "cache-control": "max-age=600" } }));
  expect(await cache.match(request)).toBeUndefined();
  expect(await cache.delete(request)).toBe(false);
});
