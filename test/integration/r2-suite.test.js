// The R2 behaviour suite (test/r2-suite/cases.ts) on Miniflare's R2 and on Outpost's (disk driver).
import { fileURLToPath } from "node:url";
import { behaviourSuite, caseNames } from "../helpers/behaviour-suite.js";

behaviourSuite({
  name: "R2",
  worker: fileURLToPath(new URL("../r2-suite/worker.ts", import.meta.url)),
  cases: await caseNames(new URL("../r2-suite/cases.ts", import.meta.url).href, "r2Cases"),
  miniflare: { r2Buckets: ["BUCKET"] },
  outpost: { r2: { BUCKET: "suite" } },
});
