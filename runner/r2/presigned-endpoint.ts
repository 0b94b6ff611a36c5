import type { Env } from "../env.ts";
import { runnerExports } from "../bindings/kind.ts";
import type { R2Props } from "./contract.ts";
import { signingKey } from "../vault/signing.ts";
import { verifyPresigned } from "./presign.ts";
import { textResponse } from "../text-response.ts";
import { invoke } from "../limits/invocations.ts";

/** Serves presigned URLs (`storage.<base domain>/<token>`) without any tenant worker. */
export async function servePresigned(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const token = new URL(request.url).pathname.slice(1);
  const claims = await verifyPresigned(await signingKey(env), token, Math.floor(Date.now() / 1000));
  if (typeof claims === "string") return textResponse(403, `Presigned URL refused: ${claims}.`);
  const method = request.method === "HEAD" ? "GET" : request.method;
  if (method !== claims.method) return textResponse(403, `Presigned URL refused: it allows ${claims.method}, not ${request.method}.`);
  // The same code path as a binding call, with props from the signed claims only.
  const props: R2Props = { tenant: claims.tenant, worker: "(presigned URL)", binding: "(presigned URL)", bucketId: claims.bucketId };
  // Each presigned request is an invocation of its own, as the binding's methods expect one.
  return invoke(env.CONFIG, props.tenant, props.worker, (invocation) => serveObject(request, method, claims.key, runnerExports(ctx).R2({ props }), invocation));
}

type Bucket = ReturnType<ReturnType<typeof runnerExports>["R2"]>;

async function serveObject(request: Request, method: string, key: string, bucket: Bucket, invocation: string): Promise<Response> {
  if (method === "PUT") {
    const contentType = request.headers.get("content-type");
    const meta = await bucket.putObject(invocation, key, request.body ?? new Uint8Array(0), {
      httpMetadata: contentType === null ? {} : { contentType },
    });
    return new Response(null, { status: 200, headers: { etag: `"${meta?.etag ?? ""}"` } });
  }
  if (method === "DELETE") {
    await bucket.deleteObjects(invocation, [key]);
    return new Response(null, { status: 204 });
  }
  const result = await bucket.getObject(invocation, key, {});
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
