import { PlatformError } from "../errors.ts";
import { concatBytes } from "../encoding.ts";

/**
 * How far past the limit an oversized body is still drained (not kept), so that a client that
 * sent a little too much receives the 413 rather than a connection reset mid-upload. Beyond it
 * (or when Content-Length says so) reading stops: an endless body is cut off there.
 */
export const DRAIN_BEYOND_LIMIT = 4 * 1024 * 1024;

/** Reads a JSON body of at most `limit` bytes. With `optional`, an empty body reads as `{}`. */
export async function readJsonBody(request: Request, limit: number, optional = false): Promise<unknown> {
  const body = await readBodyBytes(request, limit);
  if (optional && body.byteLength === 0) return {};
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new PlatformError("ERR_BAD_REQUEST", 400, "The request body is not valid JSON.");
  }
}

/** Reads a body of at most `limit` bytes; `tooLarge` words the refusal (given the length seen). */
export async function readBodyBytes(
  request: Request,
  limit: number,
  tooLarge: (length: number) => string = () => `The request body is limited to ${limit} bytes.`,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const chunks: Uint8Array[] = [];
  let length = 0;
  let oversized = declared > limit;
  if (request.body && !(declared > limit + DRAIN_BEYOND_LIMIT)) {
    // Leaving the loop early cancels the stream.
    for await (const chunk of request.body as ReadableStream<Uint8Array>) {
      length += chunk.byteLength;
      if (length > limit) oversized = true;
      if (length > limit + DRAIN_BEYOND_LIMIT) break;
      if (!oversized) chunks.push(chunk);
    }
  }
  if (oversized) throw new PlatformError("ERR_TOO_LARGE", 413, tooLarge(Math.max(length, declared || 0)));
  return concatBytes(chunks);
}
