// Tenant streams sent to the runner as object bytes (R2 put and uploadPart; KV reads its own).

/** As workerd reads a stream: any ArrayBuffer or view gives its raw bytes; anything else is refused (null). */
export function chunkBytes(chunk: unknown): Uint8Array | null {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk.slice(0));
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
  return null;
}

export const NOT_BYTES = "This ReadableStream did not return bytes.";

/**
 * `source` as a stream the runner can read to its end or to its failure. Over RPC, a stream that
 * fails before its first bytes leaves the reader waiting for ever (the failure is not relayed),
 * so the first bytes are read here, before the call: a source that fails, or yields something
 * other than bytes, before them rejects here with its own error. A later failure reaches the
 * runner as a disconnect; `failure()` then gives the source's own error for the caller.
 */
export async function byteStream(source: ReadableStream<unknown>): Promise<{ value: ReadableStream<Uint8Array> | Uint8Array; failure: () => unknown }> {
  const reader = source.getReader();
  const next = async (): Promise<Uint8Array | null> => {
    const { done, value } = await reader.read();
    if (done) return null;
    const bytes = chunkBytes(value);
    if (!bytes) throw new TypeError(NOT_BYTES);
    return bytes;
  };
  let first: Uint8Array | null;
  try {
    do first = await next();
    while (first !== null && first.byteLength === 0);
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  if (first === null) return { value: new Uint8Array(0), failure: () => undefined };
  let failure: unknown;
  const value = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(first),
    async pull(controller) {
      try {
        const chunk = await next();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      } catch (error) {
        failure = error;
        controller.error(error);
        await reader.cancel(error).catch(() => {});
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { value, failure: () => failure };
}
