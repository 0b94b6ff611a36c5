// The pool's isolate budget with several processes: every process past its budget is replaced,
// one at a time (the next only once the one before is replaced), with no request failing.
// The budget's attacks, one process at a time, are in test/hostile/isolate-budget.test.js.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { workerdProcesses } from "../helpers/processes.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let entry;
beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "2", OUTPOST_MAX_ISOLATES_PER_PROCESS: "2", OUTPOST_REPLACE_AFTER_SECONDS: "1" } });
  entry = await workerFile(`export default { fetch() { return new Response("steady"); } };`);
  await platform.deploy("steady", entry);
});
afterAll(() => platform?.stop());

/** The pool's processes (not the probation process). */
const pooled = () => workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);

/** The supervisor's lines about budget replacements, in order. */
const budgetLines = () =>
  platform
    .events()
    .filter((event) => event.src === "outpost" && /^(replacing workerd process \d+: |budget: workerd process \d+ replaced$)/.test(event.msg))
    .map((event) => event.msg.replace(/: \d+ isolates loaded.*$/, ""));

it("pool budget: every process over its isolate budget is replaced, one at a time, and no request fails", async () => {
  const before = pooled().map((proc) => proc.pid);
  expect(before).toHaveLength(2);
  let done = false;
  /** @type {boolean[]} */
  const results = [];
  const loop = (async () => {
    // A new connection per request: the kernel spreads them over both processes' sockets.
    while (!done) results.push((await platform.fetchWorker("steady").catch(() => ({ text: "" }))).text === "steady");
  })();
  try {
    // Every process loads a deployed worker ahead of traffic: three workers put each over its budget of two.
    for (const name of ["one", "two"]) await platform.deploy(name, entry, { tenant: name });
    // Each replacement starts a process and waits for its answer: slow on a loaded machine.
    await waitUntil(() => budgetLines().filter((line) => line.startsWith("budget:")).length === 2, 90_000);
  } finally {
    done = true;
    await loop;
  }
  expect(results.length).toBeGreaterThan(10);
  expect(results.every(Boolean)).toBe(true);
  const lines = budgetLines();
  const first = lines[0]?.match(/^replacing workerd process (\d)$/)?.[1];
  const second = first === "0" ? "1" : "0";
  expect(lines).toEqual([
    `replacing workerd process ${first}`,
    `budget: workerd process ${first} replaced`,
    `replacing workerd process ${second}`,
    `budget: workerd process ${second} replaced`,
  ]);
  expect(pooled().filter((proc) => before.includes(proc.pid))).toEqual([]);
}, 120_000);
