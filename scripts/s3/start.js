#!/usr/bin/env node
// `node scripts/s3/start.js [--bucket NAME] [--data-dir DIR]`: a Ceph S3 server for manual use
// and benchmarks, in the foreground until Ctrl-C. Prints the S3_* variables that point
// Outpost at it (`outpost start` reads them), so `eval` or copy them into another shell.
import { parseArgs } from "node:util";
import { AwsClient } from "aws4fetch";
import { startS3 } from "./server.js";

const { values } = parseArgs({
  options: {
    bucket: { type: "string" },
    "data-dir": { type: "string" },
  },
});

const started = Date.now();
const log = (/** @type {string} */ line) => console.error(line);
const s3 = await startS3(values["data-dir"] === undefined ? { log } : { log, dataDir: values["data-dir"] });
if (values.bucket !== undefined) {
  const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: "s3", region: s3.region, retries: 0 });
  const response = await client.fetch(`${s3.endpoint}/${encodeURIComponent(values.bucket)}`, { method: "PUT" });
  if (!response.ok) {
    console.error(`creating bucket ${values.bucket} failed: ${response.status} ${await response.text()}`);
    await s3.stop();
    process.exit(1);
  }
}

console.error(`Ceph ${s3.version} S3 ready in ${((Date.now() - started) / 1000).toFixed(1)} s; logs in ${s3.dataDir}/log; Ctrl-C stops it.`);
console.log(
  [
    `S3_ENDPOINT=${s3.endpoint}`,
    `S3_REGION=${s3.region}`,
    `S3_ACCESS_KEY_ID=${s3.accessKeyId}`,
    `S3_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
    ...(values.bucket === undefined ? [] : [`S3_BUCKET=${values.bucket}`]),
  ].join("\n"),
);

for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.once(signal, async () => {
    await s3.stop();
    process.exit(0);
  });
}
