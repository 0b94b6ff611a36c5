import { expect, it } from "vitest";
import { FairLru } from "../../runner/kv/fair-lru.ts";

// A small cache: 8 entries or 800 bytes in all; each tenant is guaranteed 2 entries or 200 bytes.
const LIMITS = { entries: 8, bytes: 800, tenantEntries: 2, tenantBytes: 200 };

function fill(cache: FairLru<string>, tenant: string, count: number, bytes: number) {
  for (let i = 0; i < count; i++) cache.set(tenant, `${tenant}/${i}`, `${tenant}-${i}`, bytes);
}

it("fair lru: one tenant alone may use the whole cache", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "a", 8, 10);
  expect(cache.size).toBe(8);
  expect(cache.get("a/0")).toBe("a-0");
});

it("fair lru: a tenant scanning many keys evicts only its own, never another's within its share", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "a", 2, 10);
  fill(cache, "b", 1000, 10);
  expect(cache.get("a/0")).toBe("a-0");
  expect(cache.get("a/1")).toBe("a-1");
  expect(cache.usage("b")).toEqual({ entries: 6, bytes: 60 });
  expect(cache.get("b/999")).toBe("b-999");
  expect(cache.get("b/993")).toBeUndefined();
});

it("fair lru: a tenant scanning large values keeps the total under the byte bound and others' keys", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "a", 2, 100);
  fill(cache, "b", 1000, 150);
  expect(cache.bytes).toBeLessThanOrEqual(800);
  expect(cache.usage("a")).toEqual({ entries: 2, bytes: 200 });
  expect(cache.usage("b")).toEqual({ entries: 4, bytes: 600 });
});

it("fair lru: a tenant's keys beyond its share are borrowed and given back when another tenant needs room", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "b", 8, 10);
  fill(cache, "a", 2, 10);
  expect(cache.usage("a").entries).toBe(2);
  expect(cache.usage("b").entries).toBe(6);
  expect(cache.get("b/0")).toBeUndefined(); // b's least recently used went first
  expect(cache.get("b/2")).toBe("b-2");
});

it("fair lru: within a tenant, the least recently used key goes first (a read counts as a use)", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "a", 2, 10);
  fill(cache, "b", 6, 10);
  expect(cache.get("b/0")).toBe("b-0");
  cache.set("b", "b/new", "new", 10);
  expect(cache.get("b/0")).toBe("b-0");
  expect(cache.get("b/1")).toBeUndefined();
});

it("fair lru: the tenant inserting gives back first when several are over their share", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "b", 4, 10);
  fill(cache, "c", 4, 10);
  cache.set("c", "c/new", "new", 10);
  expect(cache.usage("b").entries).toBe(4);
  expect(cache.usage("c").entries).toBe(4);
  expect(cache.get("c/0")).toBeUndefined();
});

it("fair lru: with every tenant within its share, the least recently used entry goes", () => {
  const cache = new FairLru<string>(LIMITS);
  for (const tenant of ["a", "b", "c", "d", "e"]) fill(cache, tenant, 2, 10);
  expect(cache.size).toBe(8);
  expect(cache.get("a/0")).toBeUndefined();
  expect(cache.get("a/1")).toBeUndefined();
  expect(cache.get("b/0")).toBe("b-0");
  expect(cache.get("e/1")).toBe("e-1");
});

it("fair lru: replacing and deleting keys keep the counts exact", () => {
  const cache = new FairLru<string>(LIMITS);
  cache.set("a", "k", "one", 50);
  cache.set("a", "k", "two", 70);
  expect(cache.get("k")).toBe("two");
  expect(cache.usage("a")).toEqual({ entries: 1, bytes: 70 });
  cache.delete("k");
  cache.delete("missing");
  expect(cache.usage("a")).toEqual({ entries: 0, bytes: 0 });
  expect([cache.size, cache.bytes]).toEqual([0, 0]);
  fill(cache, "b", 3, 10);
  cache.clear();
  expect([cache.size, cache.bytes, cache.get("b/0")]).toEqual([0, 0, undefined]);
});

it("fair lru: an entry larger than the whole cache is not kept", () => {
  const cache = new FairLru<string>(LIMITS);
  fill(cache, "a", 2, 10);
  cache.set("b", "huge", "x", 900);
  expect(cache.get("huge")).toBeUndefined();
  expect(cache.bytes).toBeLessThanOrEqual(800);
});
