// The KV behaviour suite (test/kv-suite/cases.ts) on Miniflare's KV and on Outpost's.
import { fileURLToPath } from "node:url";
import { behaviourSuite, caseNames } from "../helpers/behaviour-suite.js";

behaviourSuite({
  name: "KV",
  worker: fileURLToPath(new URL("../kv-suite/worker.ts", import.meta.url)),
  cases: await caseNames(new URL("../kv-suite/cases.ts", import.meta.url).href, "kvCases"),
  miniflare: { kvNamespaces: ["KV"] },
  outpost: { kv: { KV: "suite" } },
});
