// The public request body limit (RunnerConfig.maxRequestBodyBytes; Cloudflare's is 100 MB on the
// Free and Pro plans, https://developers.cloudflare.com/workers/platform/limits/#request-limits).
// A declared length over it is refused before anything is read; a body without one (chunked) is
// counted as the worker reads it and cut as soon as it passes the limit, so an endless body costs
// the platform at most the limit, never its whole length.

import { textResponse } from "../text-response.ts";

/** The client's answer, as Cloudflare's: 413 before the worker runs, or instead of its response. */
export function bodyTooLarge(limit: number): Response {
  return textResponse(413, `Request Entity Too Large: request bodies are limited to ${limit} bytes.`);
}

/** A Content-Length over the limit: refused without reading a byte. */
export function declaresTooMuch(request: Request, limit: number): boolean {
  return Number(request.headers.get("content-length") ?? 0) > limit;
}

/**
 * The body the worker reads, when it has to be counted (a body with no Content-Length; one with
 * it cannot run past it), or null. Past the limit the stream errors, which cancels the client's
 * body: workerd reads no further. `exceeded` says afterwards whether that happened.
 */
export function countedBody(request: Request, limit: number): { body: ReadableStream<Uint8Array>; exceeded: () => boolean } | null {
  if (request.body === null || request.headers.has("content-length")) return null;
  let seen = 0;
  let exceeded = false;
  const body = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) {
          exceeded = true;
          controller.error(new Error(`The request body is larger than ${limit} bytes, the platform's limit; the client is answered 413.`));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return { body, exceeded: () => exceeded };
}
