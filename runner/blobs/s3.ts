// The `s3` blob driver: any S3-compatible store (AWS S3, R2, MinIO, Ceph RGW) through
// aws4fetch-signed requests (SigV4, UNSIGNED-PAYLOAD). Streams both ways; a stream longer
// than one part goes up as an S3 multipart upload, PARTS_IN_FLIGHT parts at a time, so memory
// stays bounded (at most PARTS_IN_FLIGHT + 1 parts) whatever the object size.
import { AwsClient } from "aws4fetch";
import type { S3Config } from "../config.ts";
import { BlobGone, type BlobStore } from "./store.ts";

/** S3's minimum part size is 5 MiB; 8 MiB keeps the part count low for large objects. */
const PART_BYTES = 8 * 1024 * 1024;
/** Parts uploaded concurrently: enough to overlap round trips, few enough to bound memory (3 × 8 MiB). */
const PARTS_IN_FLIGHT = 3;
/**
 * aws4fetch retries with backoff for about 25 s by default; a binding call should fail fast,
 * and a streamed body cannot be sent twice anyway.
 */
const RETRIES = 2;

export function s3Blobs(config: S3Config, secretAccessKey: string): BlobStore {
  const client = new AwsClient({ accessKeyId: config.accessKeyId, secretAccessKey, service: "s3", region: config.region, retries: RETRIES });
  const objectUrl = (name: string, query = "") => `${config.endpoint.replace(/\/$/, "")}/${config.bucket}/${encodeURIComponent(config.prefix + name)}${query}`;
  const call = async (url: string, init: RequestInit, what: string, name?: string) => {
    const response = await client.fetch(url, init);
    if (response.status === 404 && name !== undefined) throw new BlobGone(name);
    if (!response.ok) throw new Error(`S3 ${what} failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
    return response;
  };

  return {
    async put(name, body) {
      const parts = new PartReader(body);
      let part = await parts.next();
      if (part.done) {
        await call(objectUrl(name), { method: "PUT", body: part.bytes }, `PUT ${name}`);
        return;
      }
      const created = await (await call(objectUrl(name, "?uploads"), { method: "POST" }, `CreateMultipartUpload ${name}`)).text();
      const uploadId = created.match(/<UploadId>([^<]+)<\/UploadId>/)?.[1];
      if (!uploadId) throw new Error(`S3 CreateMultipartUpload ${name}: no UploadId in ${created.slice(0, 200)}`);
      const upload = `uploadId=${encodeURIComponent(uploadId)}`;
      try {
        // Up to PARTS_IN_FLIGHT parts upload at once while the next one is read.
        const uploads: Promise<string>[] = [];
        const inFlight = new Set<Promise<string>>();
        while (part.bytes.byteLength > 0) {
          const number = uploads.length + 1;
          const bytes = part.bytes;
          const uploading = call(objectUrl(name, `?partNumber=${number}&${upload}`), { method: "PUT", body: bytes }, `UploadPart ${name}`).then(
            (response) => response.headers.get("etag") ?? "",
          );
          uploads.push(uploading);
          inFlight.add(uploading);
          void uploading.finally(() => inFlight.delete(uploading)).catch(() => {});
          if (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
          if (part.done) break;
          part = await parts.next();
        }
        const etags = await Promise.all(uploads);
        const xml = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
        const completed = await call(objectUrl(name, `?${upload}`), { method: "POST", body: xml }, `CompleteMultipartUpload ${name}`);
        // S3 may answer 200 with an <Error> body when completion fails late.
        const text = await completed.text();
        if (text.includes("<Error>")) throw new Error(`S3 CompleteMultipartUpload ${name} failed: ${text.slice(0, 300)}`);
      } catch (error) {
        await client.fetch(objectUrl(name, `?${upload}`), { method: "DELETE" }).catch(() => {});
        throw error;
      }
    },

    async get(name, offset, length) {
      if (length === 0) return new ReadableStream({ start: (controller) => controller.close() });
      const response = await call(objectUrl(name), { headers: { range: `bytes=${offset}-${offset + length - 1}` } }, `GET ${name}`, name);
      if (!response.body) throw new Error(`S3 GET ${name}: no body`);
      return response.body;
    },

    async delete(name) {
      const response = await client.fetch(objectUrl(name), { method: "DELETE" });
      if (!response.ok && response.status !== 404) throw new Error(`S3 DELETE ${name} failed: ${response.status}`);
    },
  };
}

/** Cuts a stream into parts of PART_BYTES (the last may be shorter), read straight into each part's buffer. */
class PartReader {
  readonly #reader: ReadableStreamBYOBReader;
  #ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader({ mode: "byob" });
  }

  /** The next part; `done` when the stream ended with it. */
  async next(): Promise<{ bytes: Uint8Array; done: boolean }> {
    if (this.#ended) return { bytes: new Uint8Array(0), done: true };
    const { value, done } = await this.#reader.readAtLeast(PART_BYTES, new Uint8Array(PART_BYTES));
    const bytes = value ?? new Uint8Array(0);
    // A full part may be the last: only a further read can tell, and it returns done at once.
    this.#ended = done || bytes.byteLength < PART_BYTES;
    return { bytes, done: this.#ended };
  }
}
