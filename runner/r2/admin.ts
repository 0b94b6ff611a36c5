// Admin routes for R2 (mounted under /v1): buckets, and the objects of one. Objects are read and
// written through the R2 entrypoint, the code a binding runs, so the same limits and Cloudflare's
// wording apply, and bytes stream through. A tenant token acts on its own tenant's buckets;
// operators name one with ?tenant= (default "default"). Another tenant's bucket is answered
// exactly like a missing one.
import { ADMIN_CALLER, adminCalls } from "../limits/admin-calls.ts";
import { type Context, Hono } from "hono";
import { z } from "zod/v4";
import type { AdminEnv } from "../admin/auth.ts";
import { bindingCall } from "../admin/binding-errors.ts";
import { readJsonBody } from "../admin/body.ts";
import { parse } from "../admin/parse.ts";
import { runnerExports } from "../bindings/kind.ts";
import { database } from "../db/client.ts";
import { PlatformError } from "../errors.ts";
import { BucketNameSchema } from "./binding.ts";
import type { ListObjectsOptions, R2Runner } from "./contract.ts";
import { R2_SQL } from "./sql.ts";
import { tenantOf } from "../admin/tenant-query.ts";
import { refuseIfBound } from "../admin/bound.ts";

export const r2 = new Hono<AdminEnv>();

export const BucketCreateSchema = z.object({ name: BucketNameSchema }).strict();

/** The object headers an upload may set, by the httpMetadata field they fill. */
const HTTP_METADATA = [
  ["contentType", "content-type"],
  ["contentLanguage", "content-language"],
  ["contentDisposition", "content-disposition"],
  ["contentEncoding", "content-encoding"],
  ["cacheControl", "cache-control"],
] as const;

const bucketNameOf = (c: Context<AdminEnv>) => parse(BucketNameSchema, c.req.param("bucket"), "bucket");

function notFound(name: string): PlatformError {
  return new PlatformError(
    "ERR_NOT_FOUND",
    404,
    `No R2 bucket named ${name}. See them with \`outpost r2 bucket list\`; create one with \`outpost r2 bucket create ${name}\`.`,
  );
}

/** The R2 entrypoint for the bucket named in the path, as a binding of the admin API. */
async function bucketOf(c: Context<AdminEnv>): Promise<R2Runner> {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const name = bucketNameOf(c);
  const [row] = await database(c.env).query(R2_SQL.bucketIds, [tenant, [name]]);
  if (!row) throw notFound(name);
  const props = { tenant, worker: ADMIN_CALLER, binding: ADMIN_CALLER, bucketId: row.id };
  return adminCalls<R2Runner>(c.env.CONFIG, tenant, runnerExports(c.executionCtx as ExecutionContext).R2({ props }));
}

const keyOf = (c: Context<AdminEnv>) => c.req.param("key") ?? "";

r2.get("/r2/buckets", async (c) => {
  const scope = c.var.scope;
  const requested = c.req.query("tenant");
  const tenant = scope.tenant === null && requested === undefined ? null : tenantOf(scope, requested);
  const rows = await database(c.env).query(R2_SQL.buckets, [tenant]);
  return c.json({ buckets: rows.map((row) => ({ name: row.name, tenant: row.tenant, created_at: row.created_at })) });
});

r2.post("/r2/buckets", async (c) => {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const { name } = parse(BucketCreateSchema, await readJsonBody(c.req.raw, 4096), "body");
  await database(c.env).query("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", [tenant]);
  const [row] = await database(c.env).query(R2_SQL.createBucket, [tenant, name]);
  if (!row)
    throw new PlatformError("ERR_CONFLICT", 409, `The bucket you tried to create already exists, and you own it. (10004) See \`outpost r2 bucket list\`.`);
  c.set("audit", { tenant });
  return c.json({ name, tenant }, 201);
});

r2.delete("/r2/buckets/:bucket", async (c) => {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const name = bucketNameOf(c);
  const [row] = await database(c.env).query(R2_SQL.deleteBucket, [tenant, name]);
  if (!row?.found) throw notFound(name);
  refuseIfBound(`R2 bucket ${name}`, row.bound_by);
  if (!row.empty) throw new PlatformError("ERR_CONFLICT", 409, `The bucket you tried to delete is not empty. (10008) Delete its objects first.`);
  return c.body(null, 204);
});

const ListQuerySchema = z
  .object({
    prefix: z.string().optional(),
    delimiter: z.string().optional(),
    cursor: z.string().optional(),
    startAfter: z.string().optional(),
    limit: z.coerce.number().int().optional(),
  })
  .strict();

/**
 * The bucket's objects in key order, as a binding's list() returns them, with their HTTP metadata;
 * the entrypoint checks the limit (1-1000) and the cursor in R2's words.
 */
r2.get("/r2/buckets/:bucket/objects", async (c) => {
  const { tenant, ...query } = c.req.query(); // ?tenant= is bucketOf's
  const options: ListObjectsOptions = { ...parse(ListQuerySchema, query, "query"), include: ["httpMetadata"] };
  const bucket = await bucketOf(c);
  return c.json(await bindingCall(bucket.listObjects(options)));
});

/** The object's bytes, with its etag, size and HTTP metadata as headers. */
r2.get("/r2/buckets/:bucket/objects/:key{.+}", async (c) => {
  const bucket = await bucketOf(c);
  const result = await bindingCall(bucket.getObject(keyOf(c), {}));
  if (!result?.body) throw new PlatformError("ERR_NOT_FOUND", 404, "The specified key does not exist. (10007)");
  const headers = new Headers({ etag: `"${result.meta.etag}"`, "content-length": String(result.meta.size) });
  for (const [field, header] of HTTP_METADATA) {
    const value = result.meta.httpMetadata[field];
    if (value !== undefined) headers.set(header, value);
  }
  return new Response(result.body, { headers });
});

/** The body is the object; content-type, content-language, -disposition, -encoding and cache-control are kept with it. */
r2.put("/r2/buckets/:bucket/objects/:key{.+}", async (c) => {
  const bucket = await bucketOf(c);
  const httpMetadata: Record<string, string> = {};
  for (const [field, header] of HTTP_METADATA) {
    const value = c.req.header(header);
    if (value !== undefined) httpMetadata[field] = value;
  }
  const meta = await bindingCall(bucket.putObject(keyOf(c), c.req.raw.body ?? new Uint8Array(0), { httpMetadata }));
  return c.json({ key: meta?.key, size: meta?.size, etag: meta?.etag }, 201);
});

r2.delete("/r2/buckets/:bucket/objects/:key{.+}", async (c) => {
  const bucket = await bucketOf(c);
  await bindingCall(bucket.deleteObjects([keyOf(c)]));
  return c.body(null, 204);
});
