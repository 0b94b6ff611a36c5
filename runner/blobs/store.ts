import type { Env } from "../env.ts";
import { s3Blobs } from "./s3.ts";

/**
 * Where object bytes live. Blobs are written once under a fresh name and never changed, so a
 * partial or concurrent write can never be seen: metadata in Postgres points at a blob only
 * after it was written whole (the "write, then rename" of a blob store).
 */
export interface BlobStore {
  put(name: string, body: ReadableStream<Uint8Array>): Promise<void>;
  /** The bytes [offset, offset + length) of the blob. */
  get(name: string, offset: number, length: number): Promise<ReadableStream<Uint8Array>>;
  delete(name: string): Promise<void>;
}

/**
 * The blob is not there: deleted because its object was replaced or deleted after the reader
 * read the metadata pointing at it (on another process or host). The reader reads again.
 */
export class BlobGone extends Error {
  constructor(name: string) {
    super(`blob ${name} is gone`);
  }
}

/** The embedded default: a workerd disk service (`<data dir>/blobs`) spoken to over HTTP. */
export function diskBlobs(env: Env): BlobStore {
  const url = (name: string) => `http://blobs/${encodeURIComponent(name)}`;
  return {
    async put(name, body) {
      const response = await env.BLOBS.fetch(url(name), { method: "PUT", body });
      if (!response.ok) throw new Error(`blob store: PUT ${name} answered ${response.status}`);
    },
    async get(name, offset, length) {
      const headers = length === 0 ? undefined : { range: `bytes=${offset}-${offset + length - 1}` };
      const response = await env.BLOBS.fetch(url(name), headers ? { headers } : {});
      if (response.status === 404) throw new BlobGone(name);
      if (!response.ok || !response.body) throw new Error(`blob store: GET ${name} answered ${response.status}`);
      if (length === 0) {
        await response.body.cancel();
        return new ReadableStream({ start: (controller) => controller.close() });
      }
      return response.body;
    },
    async delete(name) {
      const response = await env.BLOBS.fetch(url(name), { method: "DELETE" });
      if (!response.ok && response.status !== 404) throw new Error(`blob store: DELETE ${name} answered ${response.status}`);
    },
  };
}

// One store per env (the isolate's configuration), not one per binding call.
const stores = new WeakMap<Env, BlobStore>();

export function blobStore(env: Env): BlobStore {
  let store = stores.get(env);
  if (!store) {
    const { s3 } = env.CONFIG;
    store = s3 ? s3Blobs(s3, env.S3_SECRET_ACCESS_KEY ?? "") : diskBlobs(env);
    stores.set(env, store);
  }
  return store;
}

/** Writes several streams (a multipart object's parts) one after another into `target`. */
export async function concatInto(parts: (() => Promise<ReadableStream<Uint8Array>>)[], target: WritableStream<Uint8Array>): Promise<void> {
  try {
    for (const part of parts) await (await part()).pipeTo(target, { preventClose: true });
    await target.close();
  } catch (error) {
    await target.abort(error).catch(() => {});
  }
}
