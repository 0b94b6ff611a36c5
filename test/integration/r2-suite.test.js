// The R2 behaviour suite (test/r2-suite/cases.ts) on Miniflare's R2 (the reference) and on
// Outpost's binding with the disk driver, through a real deployment.
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform } from "../helpers/platform.js";

const SUITE_WORKER = fileURLToPath(new URL("../r2-suite/worker.ts", import.meta.url));
// A computed specifier keeps the Node-side typecheck out of the workerd-typed suite.
const CASES_MODULE = new URL("../r2-suite/cases.ts", import.meta.url).href;
const CASES = Object.keys((await import(CASES_MODULE)).r2Cases);
const COMPATIBILITY = { compatibilityDate: "2026-04-01", compatibilityFlags: ["nodejs_compat"] };

describe("R2 suite on Miniflare (reference)", () => {
  /** @type {Miniflare} */
  let mf;
  beforeAll(async () => {
    const { modules } = await bundleWorker(SUITE_WORKER);
    mf = new Miniflare({ modules: true, script: modules[0]?.content ?? "", r2Buckets: ["BUCKET"], ...COMPATIBILITY });
  });
  afterAll(() => mf?.dispose());

  it.each(CASES)("%s", async (name) => {
    const response = await mf.dispatchFetch(`http://suite/run/${encodeURIComponent(name)}`);
    expect(await response.text()).toBe("ok");
  });
});

describe("R2 suite on Outpost (disk driver)", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let platform;
  beforeAll(async () => {
    platform = await startPlatform();
    await platform.deploy("r2-suite", SUITE_WORKER, { r2: { BUCKET: "suite" }, ...COMPATIBILITY });
  });
  afterAll(() => platform?.stop());

  it.each(CASES)("%s", async (name) => {
    const response = await platform.fetchWorker("r2-suite", `/run/${encodeURIComponent(name)}`);
    expect(response.text).toBe("ok");
  });
});
