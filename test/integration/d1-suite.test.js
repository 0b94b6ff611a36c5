// The D1 behaviour suite (test/d1-suite/cases.ts) on Miniflare's D1 and on Outpost's.
import { fileURLToPath } from "node:url";
import { caseNames, miniflareSuite, outpostSuite } from "../helpers/behaviour-suite.js";

const suite = {
  name: "D1",
  worker: fileURLToPath(new URL("../d1-suite/worker.ts", import.meta.url)),
  cases: await caseNames(new URL("../d1-suite/cases.ts", import.meta.url).href, "d1Cases"),
};

miniflareSuite({ ...suite, miniflare: { d1Databases: ["DB"] } });
outpostSuite({
  ...suite,
  outpost: { d1: { DB: { databaseName: "suite" } } },
});
