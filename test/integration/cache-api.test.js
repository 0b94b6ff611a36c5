// The Cache API in a tenant isolate: as on a Cloudflare workers.dev address, it stores nothing and finds nothing.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

it("cache: caches.default and caches.open(name) answer a miss after a put, and delete finds nothing", async () => {
  const entry = await workerFile(`export default {
    async fetch(request) {
      const named = await caches.open("pages");
      const results = [];
      for (const cache of [caches.default, named]) {
        await cache.put(request, new Response("cached", { headers: { "cache-control": "max-age=60" } }));
        results.push({ match: (await cache.match(request)) ?? null, deleted: await cache.delete(request) });
      }
      return Response.json(results);
    },
  };`);
  await platform.deploy("cache-user", entry);
  const response = await platform.fetchWorker("cache-user");
  expect(response.status).toBe(200);
  expect(JSON.parse(response.text)).toEqual([
    { match: null, deleted: false },
    { match: null, deleted: false },
  ]);
});
