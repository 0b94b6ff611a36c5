// A behaviour suite written once and run twice: on Miniflare's own binding (the reference) and
// on Outpost's, through a real deployment. Each case is one request to the suite's worker.
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform } from "./platform.js";

const COMPATIBILITY = { compatibilityDate: "2026-04-01", compatibilityFlags: ["nodejs_compat"] };

/**
 * @param {object} suite
 * @param {string} suite.name           e.g. "KV"
 * @param {string} suite.worker         path of the suite's worker (test/<x>-suite/worker.ts)
 * @param {string[]} suite.cases        case names
 * @param {Record<string, unknown>} suite.miniflare  Miniflare options declaring the binding
 * @param {Record<string, unknown>} suite.outpost    deploy body fields declaring the binding
 */
export function behaviourSuite({ name, worker, cases, miniflare, outpost }) {
  describe(`${name} suite on Miniflare (reference)`, () => {
    /** @type {Miniflare} */
    let mf;
    beforeAll(async () => {
      const { modules } = await bundleWorker(worker);
      mf = new Miniflare({ modules: true, script: modules[0]?.content ?? "", ...miniflare, ...COMPATIBILITY });
    });
    afterAll(() => mf?.dispose());

    it.each(cases)("%s", async (test) => {
      const response = await mf.dispatchFetch(`http://suite/run/${encodeURIComponent(test)}`);
      expect(await response.text()).toBe("ok");
    });
  });

  describe(`${name} suite on Outpost`, () => {
    /** @type {import("./platform.js").Platform} */
    let platform;
    beforeAll(async () => {
      platform = await startPlatform();
      await platform.deploy("suite", worker, { ...outpost, ...COMPATIBILITY });
    });
    afterAll(() => platform?.stop());

    it.each(cases)("%s", async (test) => {
      const response = await platform.fetchWorker("suite", `/run/${encodeURIComponent(test)}`);
      expect(response.text).toBe("ok");
    });
  });
}

/**
 * The case names of a suite module. A computed specifier keeps the Node-side typecheck out of
 * the workerd-typed suite.
 * @param {string} href
 * @param {string} exportName
 * @returns {Promise<string[]>}
 */
export async function caseNames(href, exportName) {
  return Object.keys((await import(href))[exportName]);
}
