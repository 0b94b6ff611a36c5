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
  miniflareSuite({ name, worker, cases, miniflare });
  outpostSuite({ name, worker, cases, outpost });
}

/** @param {{ name: string, worker: string, cases: string[], miniflare: Record<string, unknown> }} suite */
export function miniflareSuite({ name, worker, cases, miniflare }) {
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
}

/**
 * The suite on Outpost; `setup` may start what the platform needs (e.g. an S3 server) and
 * return environment variables for `outpost start` and how to stop it.
 * @param {{ name: string, worker: string, cases: string[], outpost: Record<string, unknown>, label?: string,
 *   setup?: () => Promise<{ env: Record<string, string>, stop: () => Promise<void> }> }} suite
 */
export function outpostSuite({ name, worker, cases, outpost, label, setup }) {
  describe(`${name} suite on Outpost${label ? ` (${label})` : ""}`, () => {
    /** @type {import("./platform.js").Platform} */
    let platform;
    /** @type {(() => Promise<void>) | undefined} */
    let stopSetup;
    beforeAll(async () => {
      const extra = setup ? await setup() : undefined;
      stopSetup = extra?.stop;
      platform = await startPlatform(extra ? { env: extra.env } : {});
      await platform.deploy("suite", worker, { ...outpost, ...COMPATIBILITY });
    });
    afterAll(async () => {
      await platform?.stop();
      await stopSetup?.();
    });

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
