// The KV behaviour suite (test/kv-suite/cases.ts) run twice: on Miniflare's own KV binding as
// the reference, and on Outpost's binding through a real deployment.
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform } from "../helpers/platform.js";

const SUITE_WORKER = fileURLToPath(new URL("../kv-suite/worker.ts", import.meta.url));
// A computed specifier keeps the Node-side typecheck out of the workerd-typed suite.
const CASES_MODULE = new URL("../kv-suite/cases.ts", import.meta.url).href;
const CASES = Object.keys((await import(CASES_MODULE)).kvCases);
const COMPATIBILITY = { compatibilityDate: "2026-04-01", compatibilityFlags: ["nodejs_compat"] };

describe("KV suite on Miniflare (reference)", () => {
  /** @type {Miniflare} */
  let mf;
  beforeAll(async () => {
    const { modules } = await bundleWorker(SUITE_WORKER);
    mf = new Miniflare({ modules: true, script: modules[0]?.content ?? "", kvNamespaces: ["KV"], ...COMPATIBILITY });
  });
  afterAll(() => mf?.dispose());

  it.each(CASES)("%s", async (name) => {
    const response = await mf.dispatchFetch(`http://suite/run/${encodeURIComponent(name)}`);
    expect(await response.text()).toBe("ok");
  });
});

describe("KV suite on Outpost", () => {
  /** @type {import("../helpers/platform.js").Platform} */
  let platform;
  beforeAll(async () => {
    platform = await startPlatform();
    await platform.deploy("kv-suite", SUITE_WORKER, { kv: { KV: "suite" }, ...COMPATIBILITY });
  });
  afterAll(() => platform?.stop());

  it.each(CASES)("%s", async (name) => {
    const response = await platform.fetchWorker("kv-suite", `/run/${encodeURIComponent(name)}`);
    expect(response.text).toBe("ok");
  });
});
