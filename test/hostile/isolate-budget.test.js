// Attacks on the isolate budget: Worker Loader keeps every isolate it loaded until its process
// ends, so one tenant touching many workers could fill a process for everyone. A tenant past its
// cap of workers loaded in one process is refused with a clear 503 while its neighbours are served;
// a process past its isolate budget or memory limit is replaced, logged, with no request refused.
// One workerd process, so every request meets the same process and its counts.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { workerdProcesses } from "../helpers/processes.js";

const TENANT_CAP = 3;
const PROCESS_BUDGET = 6;
const MEMORY_LIMIT_MB = 400;
const FAT_MB = 300;

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let plain;

beforeAll(async () => {
  platform = await startPlatform({
    env: {
      OUTPOST_PROCESSES: "1",
      OUTPOST_MAX_ISOLATES_PER_TENANT: String(TENANT_CAP),
      OUTPOST_MAX_ISOLATES_PER_PROCESS: String(PROCESS_BUDGET),
      OUTPOST_MAX_PROCESS_MEMORY_MB: String(MEMORY_LIMIT_MB),
      OUTPOST_REPLACE_AFTER_SECONDS: "1",
    },
  });
  plain = await plainVersion(1);
  await platform.deploy("neighbour", plain, { tenant: "quiet" });
  for (let i = 1; i <= TENANT_CAP + 2; i++) await platform.deploy(`hog-${i}`, plain, { tenant: "hog" });
});
afterAll(() => platform?.stop());

/** @param {string} worker */
const served = async (worker) => (await platform.fetchWorker(worker).catch((error) => ({ status: 0, text: String(error) }))).text === `served ${worker}`;

/** The plain worker, as a version of its own. @param {number} version */
const plainVersion = (version) =>
  workerFile(
    `export default { fetch(request) { return new Response("served " + new URL(request.url).hostname.split(".")[0], { headers: { "x-version": "${version}" } }); } };`,
  );

/** The pool's one workerd process (not the probation process). */
const poolPid = () => workerdProcesses(platform.dataDir).find((proc) => proc.pooled)?.pid;

/** @param {string} reason */
const replacements = (reason) =>
  platform.events().filter((event) => event.src === "outpost" && event.reason === reason && /^replacing workerd process 0: /.test(event.msg));

/**
 * Requests the neighbour's worker one after another, each on a new connection, while `during`
 * runs and until its process has been replaced; returns how many requests failed.
 * @param {() => Promise<void>} during
 * @param {number} replacedBefore  "budget: workerd process 0 replaced" lines before
 */
async function neighbourFailuresWhile(during, replacedBefore) {
  const replaced = () => platform.events().filter((event) => event.msg === "budget: workerd process 0 replaced").length > replacedBefore;
  let done = false;
  let requests = 0;
  let failures = 0;
  const loop = (async () => {
    while (!done) {
      requests++;
      if (!(await served("neighbour"))) failures++;
    }
  })();
  try {
    await during();
    await waitUntil(replaced, 20_000);
  } finally {
    done = true;
    await loop;
  }
  expect(requests).toBeGreaterThan(10);
  return failures;
}

it("tenant cap: past its cap of workers loaded in a process, a tenant's next worker gets a 503 naming the limit; its neighbour is served", async () => {
  for (let i = 1; i <= TENANT_CAP; i++) expect(await served(`hog-${i}`)).toBe(true);
  for (const worker of [`hog-${TENANT_CAP + 1}`, `hog-${TENANT_CAP + 2}`]) {
    const refused = await platform.fetchWorker(worker);
    expect(refused.status).toBe(503);
    expect(refused.text).toBe(
      `Worker ${worker} cannot be started: its tenant already has ${TENANT_CAP} workers loaded in this server process, ` +
        `the most one tenant may (OUTPOST_MAX_ISOLATES_PER_TENANT).\n`,
    );
  }
  // The workers it already has loaded go on being served, and so does everyone else.
  expect(await served("hog-1")).toBe(true);
  expect(await served("neighbour")).toBe(true);
});

it("tenant cap: a worker redeployed counts once, however many versions it has had", async () => {
  for (const version of [2, 3]) {
    await platform.deploy("hog-1", await plainVersion(version), { tenant: "hog" });
    const response = await platform.fetchWorker("hog-1");
    expect([response.status, response.headers["x-version"]]).toEqual([200, String(version)]);
  }
});

it("process budget: a process past its isolate budget is replaced, logged with the numbers, and no neighbour request fails", async () => {
  const pid = poolPid();
  // hog's 3 workers, two extra versions of hog-1 and the neighbour's: 6 of 6 so far. One more tenant's worker tips it over.
  const failures = await neighbourFailuresWhile(async () => {
    await platform.deploy("third", plain, { tenant: "third" });
  }, 0);
  expect(failures).toBe(0);
  const [line] = replacements("isolates");
  expect(line?.msg).toBe(`replacing workerd process 0: 7 isolates loaded, over its budget of ${PROCESS_BUDGET} (OUTPOST_MAX_ISOLATES_PER_PROCESS)`);
  expect(line).toMatchObject({ level: "warn", process: 0, isolates: 7, isolateBudget: PROCESS_BUDGET });
  expect(poolPid()).not.toBe(pid);
  // The count starts again in the replacement: the worker refused before is served now.
  expect(await served(`hog-${TENANT_CAP + 1}`)).toBe(true);
});

it("memory limit: a process grown past its memory limit is replaced, logged with the numbers, and no neighbour request fails", async () => {
  const pid = poolPid();
  // A worker that holds FAT_MB at load: deploying it loads it ahead of its first request.
  const fat = await workerFile(`globalThis.held = Array.from({ length: ${FAT_MB} }, () => new Uint8Array(1 << 20).fill(1));
    export default { fetch() { return new Response("fat"); } };`);
  const failures = await neighbourFailuresWhile(() => platform.deploy("fat", fat, { tenant: "hog" }), 1);
  expect(failures).toBe(0);
  const [line] = replacements("memory");
  expect(line?.msg).toMatch(
    new RegExp(`^replacing workerd process 0: \\d+ MB resident, over its limit of ${MEMORY_LIMIT_MB} MB \\(OUTPOST_MAX_PROCESS_MEMORY_MB\\)$`),
  );
  expect(line?.rssMb).toBeGreaterThan(MEMORY_LIMIT_MB);
  expect(poolPid()).not.toBe(pid);
});
