// A real S3 (scripts/s3: one-node Ceph) with a fresh bucket, as the platform's S3_* variables.
import { AwsClient } from "aws4fetch";
import { startS3 } from "../../scripts/s3/server.js";

/** @returns {Promise<{ env: Record<string, string>, client: AwsClient, bucketUrl: string, stop: () => Promise<void> }>} */
export async function s3WithBucket(bucket = "outpost-test") {
  const s3 = await startS3();
  try {
    const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: "s3", region: s3.region, retries: 0 });
    const bucketUrl = `${s3.endpoint}/${bucket}`;
    const created = await client.fetch(bucketUrl, { method: "PUT" });
    if (!created.ok) throw new Error(`creating bucket ${bucket}: ${created.status} ${await created.text()}`);
    const env = {
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    return { env, client, bucketUrl, stop: () => s3.stop() };
  } catch (error) {
    await s3.stop();
    throw error;
  }
}
