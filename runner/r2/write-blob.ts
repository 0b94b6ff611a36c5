// Writing one blob: the body streams into the blob store while it is counted (R2's size limit)
// and hashed (etag and checksums), never held whole.
import { yieldToIo } from "../yield-to-io.ts";
import { toHex } from "../encoding.ts";
import type { BlobStore } from "../blobs/store.ts";
import { CHECKSUMS, type ChecksumName, R2_LIMITS } from "./constants.ts";
import { R2Error } from "./errors.ts";

/**
 * Streams `body` into the blob store while counting and hashing it. The bytes pass through JS
 * in chunks of at least CHUNK_BYTES and into a native stream for the store: per-chunk JS work,
 * not bytes, is what costs (a stream from RPC arrives in 64 KiB pieces; measured 64 MiB puts:
 * ~65 MiB/s through a JS TransformStream, several hundred MiB/s this way).
 */
export async function writeBlob(store: BlobStore, name: string, body: ReadableStream | Uint8Array, algorithms: ChecksumName[], operation: string) {
  const hashers = algorithms.map((algorithm) => new crypto.DigestStream(CHECKSUMS[algorithm]));
  const hashWriters = hashers.map((hasher) => hasher.getWriter());
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();
  let size = 0;
  const pump = async () => {
    try {
      for await (const chunk of largeChunks(body, operation)) {
        size += chunk.byteLength;
        if (size > R2_LIMITS.MAX_VALUE_BYTES) throw new R2Error(operation, "ENTITY_TOO_LARGE");
        await Promise.all([writer.write(chunk), ...hashWriters.map((hasher) => hasher.write(chunk))]);
        await yieldToIo();
      }
      await Promise.all([writer.close(), ...hashWriters.map((hasher) => hasher.close())]);
    } catch (error) {
      await writer.abort(error).catch(() => {});
      throw error;
    }
  };
  const stored = store.put(name, readable).catch(async (error: unknown) => {
    // The store gave up: stop feeding it, so the pump ends too.
    await writer.abort(error).catch(() => {});
    throw error;
  });
  const [pumped, put] = await Promise.allSettled([pump(), stored]);
  // The body's own failure (too large, sender gone) explains a store failure it caused.
  if (pumped.status === "rejected") throw pumped.reason;
  if (put.status === "rejected") throw put.reason;
  const digests: Partial<Record<ChecksumName, string>> = {};
  for (const [i, algorithm] of algorithms.entries()) digests[algorithm] = toHex(new Uint8Array(await hashers[i]!.digest));
  return { size, digests };
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * The body in chunks of at least CHUNK_BYTES (but the last); the source is cancelled if the
 * consumer stops early. One buffer is reused for every chunk (the consumer is done with a chunk
 * when it asks for the next: native streams' writes resolve once the bytes were taken), so a
 * large object leaves no trail of garbage for V8 to collect.
 */
async function* largeChunks(body: ReadableStream | Uint8Array, operation: string): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    if (body.byteLength > 0) yield body;
    return;
  }
  let done = false;
  let buffer = new ArrayBuffer(CHUNK_BYTES);
  const reader = body.getReader({ mode: "byob" });
  try {
    while (!done) {
      const read = await reader.readAtLeast(CHUNK_BYTES, new Uint8Array(buffer)).catch((error: unknown) => {
        // The sender's stream failed (the shim tells its caller the stream's own error): the
        // caller's problem, reported as such, not as a blob store failure.
        throw new TypeError(`${operation}: The value's stream failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      done = read.done;
      if (!read.value) break;
      buffer = read.value.buffer as ArrayBuffer;
      if (read.value.byteLength > 0) yield read.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
  }
}
