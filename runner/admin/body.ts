import { PlatformError } from "../errors.ts";
import { concatBytes } from "../encoding.ts";

/**
 * Reads a JSON body of at most `limit` bytes. An oversized body is still drained (not kept) so
 * the client receives the 413 instead of a connection reset mid-upload. With `optional`, an
 * empty body reads as `{}`.
 */
export async function readJsonBody(request: Request, limit: number, optional = false): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const chunks: Uint8Array[] = [];
  let length = 0;
  let tooLarge = declared > limit;
  if (request.body) {
    for await (const chunk of request.body as ReadableStream<Uint8Array>) {
      length += chunk.byteLength;
      if (length > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    }
  }
  if (tooLarge) throw new PlatformError("ERR_TOO_LARGE", 413, `The request body is limited to ${limit} bytes.`);
  if (optional && length === 0) return {};
  try {
    return JSON.parse(new TextDecoder().decode(concatBytes(chunks)));
  } catch {
    throw new PlatformError("ERR_BAD_REQUEST", 400, "The request body is not valid JSON.");
  }
}
