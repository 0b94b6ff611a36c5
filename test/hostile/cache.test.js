// The Cache API stores nothing (shims/cache.ts): a response one tenant's worker puts under a URL
// never reaches another tenant's worker that asks for the same URL, nor the same worker later.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

const SHARED_URL = "https://shared.example/secret";

it("cache: a response put by one tenant is not matched by another tenant, by default or by cache name", async () => {
  const writer = await workerFile(`export default {
    async fetch() {
      const response = () => new Response("alice's secret", { headers: { "cache-control": "public, max-age=3600" } });
      await caches.default.put(${JSON.stringify(SHARED_URL)}, response());
      await (await caches.open("shared")).put(${JSON.stringify(SHARED_URL)}, response());
      return new Response("stored");
    },
  };`);
  const reader = await workerFile(`export default {
    async fetch() {
      const found = [await caches.default.match(${JSON.stringify(SHARED_URL)}), await (await caches.open("shared")).match(${JSON.stringify(SHARED_URL)})];
      return Response.json(await Promise.all(found.map((response) => response?.text() ?? null)));
    },
  };`);
  await platform.deploy("cache-alice", writer, { tenant: "alice" });
  await platform.deploy("cache-mallory", reader, { tenant: "mallory" });
  await platform.deploy("cache-alice-reader", reader, { tenant: "alice" });
  expect((await platform.fetchWorker("cache-alice")).text).toBe("stored");
  expect(JSON.parse((await platform.fetchWorker("cache-mallory")).text)).toEqual([null, null]);
  expect(JSON.parse((await platform.fetchWorker("cache-alice-reader")).text)).toEqual([null, null]);
});
