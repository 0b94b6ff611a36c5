// The R2 behaviour suite (test/r2-suite/cases.ts) on Miniflare's R2 (the reference) and on
// Outpost with both blob drivers: disk (embedded default) and s3 (a real S3: scripts/s3).
import { fileURLToPath } from "node:url";
import { behaviourSuite, caseNames, outpostSuite } from "../helpers/behaviour-suite.js";
import { s3WithBucket } from "../helpers/s3.js";

const suite = {
  name: "R2",
  worker: fileURLToPath(new URL("../r2-suite/worker.ts", import.meta.url)),
  cases: await caseNames(new URL("../r2-suite/cases.ts", import.meta.url).href, "r2Cases"),
  outpost: { r2: { BUCKET: "suite" } },
};

behaviourSuite({ ...suite, miniflare: { r2Buckets: ["BUCKET"] } });
outpostSuite({ ...suite, label: "s3 driver", setup: () => s3WithBucket() });
