import type { Env } from "../env.ts";

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

export function blobStore(env: Env): BlobStore {
  return diskBlobs(env);
}

/** Concatenates byte ranges of several blobs (a multipart object's parts) into one stream. */
export function concatStreams(parts: (() => Promise<ReadableStream<Uint8Array>>)[]): ReadableStream<Uint8Array> {
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!reader) {
          const next = parts[index++];
          if (!next) return controller.close();
          reader = (await next()).getReader();
        }
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        reader = undefined;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
