// Deploys and rollbacks under continuous load: no request fails, and every response comes
// whole from exactly one deployed version.
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

/** A version whose header and body both carry its tag, with a little work in between. @param {string} tag */
async function version(tag) {
  return bundleWorker(
    await workerFile(`export default { async fetch() {
      const head = ${JSON.stringify(tag)};
      await new Promise((resolve) => setTimeout(resolve, 2));
      return new Response(${JSON.stringify(`${tag}|`)}.repeat(50), { headers: { "x-tag": head } });
    } };`),
  );
}

it("deploy: deploying and rolling back under load fails no request and never mixes versions", async () => {
  const tags = ["blue", "green", "red"];
  const bodies = await Promise.all(tags.map(version));
  await platform.admin("PUT", "/v1/workers/live", bodies[0]);

  let running = true;
  /** @type {string[]} */
  const problems = [];
  const seen = new Set();
  let requests = 0;
  const client = async () => {
    while (running) {
      /** @type {import("../helpers/platform.js").HttpResult} */
      const response = await platform.fetchWorker("live").catch((/** @type {Error} */ error) => ({ status: 0, headers: {}, text: error.message }));
      requests++;
      const tag = String(response.headers["x-tag"]);
      if (response.status !== 200) problems.push(`status ${response.status}: ${response.text}`);
      else if (!tags.includes(tag) || response.text !== `${tag}|`.repeat(50))
        problems.push(`mixed response: header ${tag}, body ${response.text.slice(0, 40)}`);
      else seen.add(tag);
    }
  };
  const clients = Array.from({ length: 8 }, client);

  for (let round = 0; round < 5; round++) {
    for (const body of bodies.slice(1)) {
      expect((await platform.admin("PUT", "/v1/workers/live", body)).status).toBeLessThan(300);
    }
    expect((await platform.admin("POST", "/v1/workers/live/rollback")).status).toBe(200);
  }
  running = false;
  await Promise.all(clients);

  expect(problems).toEqual([]);
  expect(requests).toBeGreaterThan(100);
  expect([...seen].sort()).toEqual([...tags].sort());
});
