// The queue behaviour suite (test/queue-suite/cases.ts) on Miniflare's queues (the reference)
// and on Outpost's, at a compatibility date before `queue_expose_error_codes` (see cases.ts).
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { caseNames } from "../helpers/behaviour-suite.js";
import { startPlatform } from "../helpers/platform.js";

const WORKER = fileURLToPath(new URL("../queue-suite/worker.ts", import.meta.url));
const CASES = await caseNames(new URL("../queue-suite/cases.ts", import.meta.url).href, "queueCases");
const COMPATIBILITY = { compatibilityDate: "2026-01-01", compatibilityFlags: ["nodejs_compat"] };

describe("queue suite on Miniflare (reference)", () => {
  /** @type {Miniflare} */
  let mf;
  beforeAll(async () => {
    const { modules } = await bundleWorker(WORKER);
    mf = new Miniflare({
      modules: true,
      script: modules[0]?.content ?? "",
      queueProducers: { Q: "suite" },
      queueConsumers: { suite: { maxBatchTimeout: 0 } },
      ...COMPATIBILITY,
    });
  });
  afterAll(() => mf?.dispose());

  it.each(CASES)("%s", async (test) => {
    const response = await mf.dispatchFetch(`http://suite/run/${encodeURIComponent(test)}`);
    expect(await response.text()).toBe("ok");
  });
});

describe("queue suite on Outpost", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let platform;
  beforeAll(async () => {
    // One workerd process: the test worker keeps its log in isolate memory, and each process has its own isolate.
    platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1" } });
    await platform.deploy("suite", WORKER, {
      queues: { producers: { Q: { queue: "suite" } }, consumers: [{ queue: "suite", maxBatchTimeout: 0 }] },
      ...COMPATIBILITY,
    });
  });
  afterAll(() => platform?.stop());

  it.each(CASES)("%s", async (test) => {
    const response = await platform.fetchWorker("suite", `/run/${encodeURIComponent(test)}`);
    expect(response.text).toBe("ok");
  });
});
