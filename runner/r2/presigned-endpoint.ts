import type { Env } from "../env.ts";
import { runnerExports } from "../bindings/kind.ts";
import type { R2Props } from "./contract.ts";
import { signingKey } from "../vault/signing.ts";
import { verifyPresigned } from "./presign.ts";
import { textResponse } from "../text-response.ts";

/** Serves presigned URLs (`storage.<base domain>/<token>`) without any tenant worker. */
export async function servePresigned(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const token = new URL(request.url).pathname.slice(1);
  const claims = await verifyPresigned(await signingKey(env), token, Math.floor(Date.now() / 1000));
  if (typeof claims === "string") return textResponse(403, `Presigned URL refused: ${claims}.`);
  const method = request.method === "HEAD" ? "GET" : request.method;
  if (method !== claims.method) return textResponse(403, `Presigned URL refused: it allows ${claims.method}, not ${request.method}.`);
  // The same code path as a binding call, with props from the signed claims only.
  const props: R2Props = { tenant: claims.tenant, worker: "(presigned URL)", binding: "(presigned URL)", bucketId: claims.bucketId };
  const bucket = runnerExports(ctx).R2({ props });
  if (method === "PUT") {
    const contentType = request.headers.get("content-type");
    const meta = await bucket.putObject(claims.key, request.body ?? new Uint8Array(0), {
      httpMetadata: contentType === null ? {} : { contentType },
    });
    return new Response(null, { status: 200, headers: { etag: `"${meta?.etag ?? ""}"` } });
  }
  if (method === "DELETE") {
    await bucket.deleteObjects([claims.key]);
    return new Response(null, { status: 204 });
  }
  const result = await bucket.getObject(claims.key, {});
  if (!result?.body) return textResponse(404, "No such object.");
  const headers = new Headers({ etag: `"${result.meta.etag}"`, "content-length": String(result.meta.size) });
  const type = result.meta.httpMetadata.contentType;
  if (type) headers.set("content-type", type);
  if (request.method === "HEAD") {
    await result.body.cancel();
    return new Response(null, { headers });
  }
  return new Response(result.body, { headers });
}
