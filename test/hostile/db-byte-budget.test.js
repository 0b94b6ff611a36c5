// Attacks on the database's byte budget (runner/db/byte-budget.ts): a tenant sending large KV
// values as fast as it can is slowed to its budget while another tenant's writes go at once; calls
// whose turn would come too late fail without writing anything, and every write acknowledged is
// stored. The budget is set low (1 MiB/s) so a few 1 MiB writes cross it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

const MIB = 1024 * 1024;

const WRITER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key");
    if (url.pathname === "/get") {
      const value = await env.KV.get(key);
      return new Response(value === null ? "null" : String(value.length));
    }
    try {
      for (let i = 0; i < Number(url.searchParams.get("count") ?? 1); i++) await env.KV.put(key + "-" + i, "x".repeat(${MIB}));
      return new Response("stored");
    } catch (error) {
      return new Response(String(error), { status: 503 });
    }
  },
};`;

beforeAll(async () => {
  // One workerd process: one Database object, so one budget per tenant.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_DB_TENANT_MIB_PER_SECOND: "1" } });
  const entry = await workerFile(WRITER);
  await platform.deploy("flooder", entry, { kv: { KV: "flood" }, tenant: "noisy" });
  await platform.deploy("neighbour", entry, { kv: { KV: "quiet" }, tenant: "quiet" });
});
afterAll(async () => {
  await platform?.stop();
});

/** @param {string} worker @param {string} path */
const call = (worker, path) => platform.fetchWorker(worker, path);

/** @param {string} worker @param {string} key */
const storedLength = async (worker, key) => (await call(worker, `/get?key=${key}`)).text;

it("byte budget: a tenant's back-to-back 1 MiB writes are slowed to its budget, another tenant's write goes meanwhile, and all are stored", async () => {
  const began = Date.now();
  let floodEnded = 0;
  const flood = call("flooder", "/put?key=serial&count=4").then((answer) => ((floodEnded = Date.now()), answer));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const neighbour = await call("neighbour", "/put?key=own");
  const neighbourEnded = Date.now();
  expect(neighbour).toMatchObject({ status: 200, text: "stored" });
  expect((await flood).text).toBe("stored");
  // 4 MiB at 1 MiB/s with one second's worth at once: the last write waits for two more seconds.
  expect(floodEnded - began).toBeGreaterThanOrEqual(1_800);
  expect(neighbourEnded).toBeLessThan(floodEnded);
  for (let i = 0; i < 4; i++) expect(await storedLength("flooder", `serial-${i}`)).toBe(String(MIB));
  expect(await storedLength("neighbour", "own-0")).toBe(String(MIB));
});

it("byte budget: concurrent writes whose turn would come more than 5 s ahead fail and write nothing; every acknowledged one is stored", async () => {
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call("flooder", `/put?key=burst${i}`)));
  const stored = answers.flatMap((answer, i) => (answer.status === 200 ? [i] : []));
  const refused = answers.flatMap((answer, i) => (answer.status === 503 ? [i] : []));
  expect(stored.length + refused.length).toBe(12);
  expect(stored.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
  for (const i of refused) expect(answers[i]?.text).toContain("KV PUT failed");
  for (const i of stored) expect(await storedLength("flooder", `burst${i}-0`)).toBe(String(MIB));
  for (const i of refused) expect(await storedLength("flooder", `burst${i}-0`)).toBe("null");
  expect((await call("neighbour", "/put?key=after")).status).toBe(200);
});
