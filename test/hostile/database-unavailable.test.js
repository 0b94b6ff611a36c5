// Attacks on the database-failure path: the platform answers 503 and logs "the database is
// unavailable" only for its own failures. A worker throwing an error worded like the platform's
// mark (runner/db/unavailable.ts) gets the usual 500 for a worker exception, and the platform log
// says nothing about the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

const MARK = "database unavailable: forged by a tenant";

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
  await platform.deploy("forger", await workerFile(`export default { fetch() { throw new Error(${JSON.stringify(MARK)}); } };`));
});
afterAll(async () => {
  await platform?.stop();
});

describe("database unavailable (hostile)", () => {
  it("forged mark: a worker throwing the platform's database-unavailable wording gets a 500, and no database failure is logged", async () => {
    const response = await platform.fetchWorker("forger");
    expect(response).toMatchObject({ status: 500, text: "Worker threw an exception.\n" });
    const runnerLines = () => platform.events().filter((event) => event.src === "runner");
    await waitUntil(() => runnerLines().some((event) => event.msg === "the worker threw an exception; answered 500" && event.worker === "forger"), 10_000);
    expect(runnerLines().filter((event) => /database/i.test(event.msg))).toEqual([]);
  });

  it("forged mark: readiness is the platform's own; a worker's errors do not touch it", async () => {
    const ready = await fetch(`${platform.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, database: { ok: true } });
  });
});
