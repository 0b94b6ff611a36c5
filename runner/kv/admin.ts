// Admin routes for KV (mounted under /v1), in the shape of Cloudflare's KV API: namespaces, and
// the keys of one. Keys are read and written through the Kv entrypoint, the code a binding runs,
// so the same limits and Cloudflare's wording apply. A tenant token acts on its own tenant's
// namespaces; operators name one with ?tenant= (default "default"). Another tenant's namespace
// is answered exactly like a missing one.
import { ADMIN_CALLER, adminCalls } from "../limits/admin-calls.ts";
import { type Context, Hono } from "hono";
import { z } from "zod/v4";
import type { AdminEnv } from "../admin/auth.ts";
import { bindingCall } from "../admin/binding-errors.ts";
import { readBodyBytes, readJsonBody } from "../admin/body.ts";
import { parse } from "../admin/parse.ts";
import { runnerExports } from "../bindings/kind.ts";
import { database } from "../db/client.ts";
import { fromBase64 } from "../encoding.ts";
import { BindingError, PlatformError } from "../errors.ts";
import { NamespaceNameSchema } from "./binding.ts";
import { KV_LIMITS } from "./constants.ts";
import type { KvBulkRunner, KvPutOptions, KvRunner } from "./contract.ts";
import { KV_SQL } from "./sql.ts";
import { validateKey, validatePutOptions, validateValueSize } from "./validate.ts";
import { now } from "./entrypoint.ts";
import { tenantOf } from "../admin/tenant-query.ts";
import { refuseIfBound } from "../admin/bound.ts";

export const kv = new Hono<AdminEnv>();

/**
 * At most 10,000 keys per bulk request, as Cloudflare's (https://developers.cloudflare.com/api/resources/kv/subresources/namespaces/methods/bulk_update/).
 * Cloudflare takes 100 MB bodies; the runner parses the body in memory, so here 40 MiB: room for
 * one largest value in base64. `outpost kv bulk` sends larger files in several requests.
 */
export const BULK_LIMITS = { MAX_KEYS: KV_LIMITS.MAX_BULK_WRITE_KEYS, MAX_BODY_BYTES: 40 * 1024 * 1024 } as const;
/** A bulk request is written in calls of at most this many keys and value bytes (one statement each). */
const BULK_BATCH = { keys: 1000, bytes: 8 * 1024 * 1024 };

export const NamespaceCreateSchema = z.object({ name: NamespaceNameSchema }).strict();
const Expiry = z.number().int().optional();
export const BulkPutSchema = z
  .array(
    z.object({
      key: z.string(),
      value: z.string(),
      expiration: Expiry,
      expiration_ttl: Expiry,
      metadata: z.unknown().optional(),
      base64: z.boolean().optional(),
    }),
  )
  .max(BULK_LIMITS.MAX_KEYS, `A bulk request takes at most ${BULK_LIMITS.MAX_KEYS} keys.`);
export const BulkDeleteSchema = z.array(z.string()).max(BULK_LIMITS.MAX_KEYS, `A bulk request takes at most ${BULK_LIMITS.MAX_KEYS} keys.`);
const QueryNumber = z
  .string()
  .regex(/^-?\d+$/, "must be a whole number")
  .transform(Number)
  .optional();

/** The Kv entrypoint for the namespace named in the path, as a binding of the admin API. */
async function namespaceOf(c: Context<AdminEnv>): Promise<KvRunner & KvBulkRunner> {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const name = parse(NamespaceNameSchema, c.req.param("namespace"), "namespace");
  const [row] = await database(c.env).query(KV_SQL.namespaceIds, [tenant, [name]]);
  if (!row) throw notFound(name);
  const props = { tenant, worker: ADMIN_CALLER, binding: ADMIN_CALLER, namespaceId: row.id };
  return adminCalls<KvRunner & KvBulkRunner>(c.env.CONFIG, tenant, runnerExports(c.executionCtx as ExecutionContext).Kv({ props }));
}

function notFound(name: string): PlatformError {
  return new PlatformError(
    "ERR_NOT_FOUND",
    404,
    `No KV namespace named ${name}. See them with \`outpost kv namespace list\`; create one with \`outpost kv namespace create ${name}\`.`,
  );
}

kv.get("/kv/namespaces", async (c) => {
  const scope = c.var.scope;
  const requested = c.req.query("tenant");
  const tenant = scope.tenant === null && requested === undefined ? null : tenantOf(scope, requested);
  const rows = await database(c.env).query(KV_SQL.namespaces, [tenant]);
  return c.json({ namespaces: rows.map((row) => ({ name: row.name, tenant: row.tenant, created_at: row.created_at })) });
});

kv.post("/kv/namespaces", async (c) => {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const { name } = parse(NamespaceCreateSchema, await readJsonBody(c.req.raw, 4096), "body");
  await database(c.env).query("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", [tenant]);
  const [row] = await database(c.env).query(KV_SQL.createNamespace, [tenant, name]);
  if (!row)
    throw new PlatformError(
      "ERR_CONFLICT",
      409,
      `A KV namespace with the title "${name}" already exists. List them with \`outpost kv namespace list\`, or choose another name.`,
    );
  c.set("audit", { tenant });
  return c.json({ name, tenant }, 201);
});

kv.delete("/kv/namespaces/:namespace", async (c) => {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const name = parse(NamespaceNameSchema, c.req.param("namespace"), "namespace");
  const [row] = await database(c.env).query(KV_SQL.deleteNamespace, [tenant, name]);
  if (!row?.found) throw notFound(name);
  refuseIfBound(`KV namespace ${name}`, row.bound_by);
  return c.body(null, 204);
});

kv.get("/kv/namespaces/:namespace/keys", async (c) => {
  const namespace = await namespaceOf(c);
  const limit = parse(QueryNumber, c.req.query("limit"), "limit");
  const prefix = c.req.query("prefix");
  const cursor = c.req.query("cursor");
  return c.json(
    await bindingCall(
      namespace.list({ ...(prefix === undefined ? {} : { prefix }), ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) }),
    ),
  );
});

// `:key{.+}` takes the rest of the path, percent-decoded (a key may hold "/"); the entrypoint checks it.

/** The value's bytes (its metadata and expiration are in the key listing). */
kv.get("/kv/namespaces/:namespace/values/:key{.+}", async (c) => {
  const namespace = await namespaceOf(c);
  const entry = await bindingCall(namespace.read(c.req.param("key")));
  if (!entry) throw new PlatformError("ERR_NOT_FOUND", 404, "Value not found.");
  return new Response(entry.value as Uint8Array<ArrayBuffer>, { headers: { "content-type": "application/octet-stream" } });
});

/** The body is the value; ?expiration_ttl=, ?expiration= and ?metadata= (JSON) as Cloudflare's API takes them. */
kv.put("/kv/namespaces/:namespace/values/:key{.+}", async (c) => {
  const namespace = await namespaceOf(c);
  const key = c.req.param("key");
  const options = putOptions({
    expiration: parse(QueryNumber, c.req.query("expiration"), "expiration"),
    expiration_ttl: parse(QueryNumber, c.req.query("expiration_ttl"), "expiration_ttl"),
    metadata: c.req.query("metadata"),
  });
  const value = await readBodyBytes(
    c.req.raw,
    KV_LIMITS.MAX_VALUE_BYTES,
    (length) => `Value length of ${length} exceeds limit of ${KV_LIMITS.MAX_VALUE_BYTES}.`,
  );
  await bindingCall(namespace.write(key, value, options));
  return c.body(null, 204);
});

kv.delete("/kv/namespaces/:namespace/values/:key{.+}", async (c) => {
  const namespace = await namespaceOf(c);
  await bindingCall(namespace.remove(c.req.param("key")));
  return c.body(null, 204);
});

/**
 * Writes up to 10,000 pairs ({key, value, expiration?, expiration_ttl?, metadata?, base64?}). Every
 * pair is checked before the first is written, so a refused request stores nothing.
 */
kv.put("/kv/namespaces/:namespace/bulk", async (c) => {
  const namespace = await namespaceOf(c);
  const pairs = parse(BulkPutSchema, await readJsonBody(c.req.raw, BULK_LIMITS.MAX_BODY_BYTES), "body");
  const writes = pairs.map((pair, i) => {
    try {
      const value = pair.base64 ? base64Value(pair.value) : new TextEncoder().encode(pair.value);
      const options = putOptions({
        expiration: pair.expiration,
        expiration_ttl: pair.expiration_ttl,
        metadata: pair.metadata === undefined ? undefined : JSON.stringify(pair.metadata),
      });
      validateKey("KV PUT", pair.key);
      validateValueSize(value.byteLength);
      validatePutOptions(options, now());
      return { key: pair.key, value, options };
    } catch (error) {
      throw atPair(i, error);
    }
  });
  let batch: typeof writes = [];
  let bytes = 0;
  for (const write of writes) {
    if (batch.length === BULK_BATCH.keys || (batch.length > 0 && bytes + write.value.byteLength > BULK_BATCH.bytes)) {
      await bindingCall(namespace.writeMany(batch));
      [batch, bytes] = [[], 0];
    }
    batch.push(write);
    bytes += write.value.byteLength;
  }
  if (batch.length > 0) await bindingCall(namespace.writeMany(batch));
  return c.json({ successful_key_count: writes.length, unsuccessful_keys: [] });
});

/** Deletes up to 10,000 keys (a JSON array of names); absent keys are no error. */
kv.post("/kv/namespaces/:namespace/bulk/delete", async (c) => {
  const namespace = await namespaceOf(c);
  const keys = parse(BulkDeleteSchema, await readJsonBody(c.req.raw, BULK_LIMITS.MAX_BODY_BYTES), "body");
  keys.forEach((key, i) => {
    try {
      validateKey("KV DELETE", key);
    } catch (error) {
      throw atPair(i, error);
    }
  });
  await bindingCall(namespace.removeMany(keys));
  return c.json({ successful_key_count: keys.length, unsuccessful_keys: [] });
});

function putOptions(input: { expiration: number | undefined; expiration_ttl: number | undefined; metadata: string | undefined }): KvPutOptions {
  if (input.metadata !== undefined) {
    try {
      JSON.parse(input.metadata);
    } catch {
      throw new PlatformError("ERR_BAD_REQUEST", 400, 'metadata must be JSON, e.g. {"author":"me"}.');
    }
  }
  return {
    ...(input.expiration === undefined ? {} : { expiration: input.expiration }),
    ...(input.expiration_ttl === undefined ? {} : { expirationTtl: input.expiration_ttl }),
    ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
  };
}

function base64Value(text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch {
    throw new PlatformError("ERR_BAD_REQUEST", 400, 'The value is not base64; drop "base64": true to store it as text.');
  }
}

/** A refusal of one pair of a bulk request, naming its index. */
function atPair(index: number, error: unknown): unknown {
  if (error instanceof PlatformError) return new PlatformError(error.code, error.status, `body.${index}: ${error.message}`);
  if (error instanceof BindingError) {
    const detail = error.message.slice(`${error.operation} failed: ${error.status} `.length);
    return new PlatformError(error.status >= 413 ? "ERR_TOO_LARGE" : "ERR_BAD_REQUEST", error.status, `body.${index}: ${detail}`);
  }
  if (error instanceof TypeError) return new PlatformError("ERR_BAD_REQUEST", 400, `body.${index}: ${error.message}`);
  return error;
}
