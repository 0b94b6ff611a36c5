// Admin routes for queues (mounted under /v1): the operator view, the message browser, purge, HTTP
// publish and the pull-consumer contract. A tenant token acts on its own tenant's queues;
// operators name one with ?tenant= (default "default").
import { Hono } from "hono";
import type { AdminEnv } from "../admin/auth.ts";
import { readJsonBody } from "../admin/body.ts";
import { parse } from "../admin/parse.ts";
import { TenantSchema } from "../admin/schemas.ts";
import { actingTenant } from "../control/scope.ts";
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { fromBase64 } from "../encoding.ts";
import { isWellFormedText } from "../storable-text.ts";
import { textBytes, wireBody } from "./codec.ts";
import { acknowledge, changeVisibility, receive, retry } from "./pull.ts";
import { AckSchema, BrowseQuerySchema, PublishSchema, PullSchema, QueueNameSchema, VisibilitySchema } from "./schemas.ts";
import { QUEUE_SQL } from "./sql.ts";
import { loadConsumers, type OutgoingMessage, storeMessages } from "./store.ts";
import { checkBatch } from "./validate.ts";

export const queues = new Hono<AdminEnv>();

const MAX_BODY = 1024 * 1024;
const tenantOf = (query: string | undefined) => (query === undefined ? undefined : parse(TenantSchema, query, "tenant"));

async function queueOf(env: Env, tenant: string, param: string): Promise<{ id: string; name: string }> {
  const name = parse(QueueNameSchema, param, "queue");
  const [row] = await database(env).query(QUEUE_SQL.idsByName, [tenant, [name]]);
  if (!row)
    throw new PlatformError("ERR_NOT_FOUND", 404, `No queue named ${name}. Queues are created by deploying a worker that produces to or consumes from them.`);
  return { id: row.id, name };
}

queues.get("/queues", async (c) => {
  const scope = c.var.scope;
  const requested = tenantOf(c.req.query("tenant"));
  const tenant = scope.tenant ?? requested ?? null;
  if (scope.tenant !== null && requested !== undefined) actingTenant(scope, requested);
  const [rows, consumers] = await Promise.all([database(c.env).query(QUEUE_SQL.overview, [tenant]), loadConsumers(database(c.env))]);
  const consumerOf = new Map(consumers.map((consumer) => [consumer.queueId, consumer]));
  return c.json({
    queues: rows.map((row) => {
      const consumer = consumerOf.get(row.id);
      return {
        name: row.name,
        tenant: row.tenant,
        depth: row.depth,
        inFlight: row.in_flight,
        delayed: row.delayed,
        oldestAgeSeconds: row.oldest_age_seconds === null ? null : Math.max(0, Math.round(Number(row.oldest_age_seconds) * 10) / 10),
        deadLettered: row.dead_lettered,
        dropped: row.dropped,
        consumer: consumer ? { worker: consumer.worker, type: consumer.type } : null,
      };
    }),
  });
});

queues.post("/queues/:name/purge", async (c) => {
  const queue = await queueOf(c.env, actingTenant(c.var.scope, tenantOf(c.req.query("tenant"))), c.req.param("name"));
  const [row] = await database(c.env).query(QUEUE_SQL.purge, [queue.id]);
  return c.json({ purged: row?.purged ?? 0 });
});

/** The bytes of a body the browser shows; the dashboard prints them as text, never as markup. */
const PREVIEW_BYTES = 1024;

/**
 * A page of the queue's messages in the order they were sent, read without leasing them: a
 * consumer's next receive is unchanged. Bodies are cut at PREVIEW_BYTES (`truncated`); text and
 * json are shown as text, bytes and v8 base64-encoded.
 */
queues.get("/queues/:name/messages", async (c) => {
  const { tenant, ...query } = c.req.query();
  const { limit, cursor } = parse(BrowseQuerySchema, query, "query");
  const queue = await queueOf(c.env, actingTenant(c.var.scope, tenantOf(tenant)), c.req.param("name"));
  const rows = await database(c.env).query(QUEUE_SQL.browse, [queue.id, cursor ?? "0", limit, PREVIEW_BYTES]);
  const last = rows.at(-1);
  return c.json({
    messages: rows.map((row) => ({
      id: row.id,
      contentType: row.content_type,
      body: wireBody(row.content_type, row.preview),
      size: row.size,
      truncated: row.size > PREVIEW_BYTES,
      attempts: row.attempts,
      timestamp_ms: row.sent_ms,
      state: row.state,
      visibleAt: new Date(row.visible_ms).toISOString(),
    })),
    cursor: rows.length === limit && last ? last.seq : null,
  });
});

/** Cloudflare's HTTP publish: json (default), text, or bytes (base64) bodies. */
queues.post("/queues/:name/messages", async (c) => {
  const queue = await queueOf(c.env, actingTenant(c.var.scope, tenantOf(c.req.query("tenant"))), c.req.param("name"));
  const input = parse(PublishSchema, await readJsonBody(c.req.raw, MAX_BODY), "body");
  const outgoing: OutgoingMessage[] = input.messages.map((message, i) => {
    const contentType = message.contentType ?? "json";
    const where = `body.messages.${i}.body`;
    let body: Uint8Array;
    if (contentType === "json") {
      const json = message.body === undefined ? undefined : JSON.stringify(message.body);
      if (json === undefined) throw new PlatformError("ERR_BAD_REQUEST", 400, `${where}: a json message needs a body.`);
      body = textBytes(json);
    } else if (typeof message.body !== "string") {
      throw new PlatformError("ERR_BAD_REQUEST", 400, `${where}: a ${contentType} body is a string${contentType === "bytes" ? " (base64)" : ""}.`);
    } else if (contentType === "text") {
      if (!isWellFormedText(message.body))
        throw new PlatformError("ERR_BAD_REQUEST", 400, `${where}: a text body must be well-formed Unicode (no unpaired UTF-16 surrogates).`);
      body = textBytes(message.body);
    } else {
      try {
        body = fromBase64(message.body);
      } catch {
        throw new PlatformError("ERR_BAD_REQUEST", 400, `${where}: a bytes body is base64.`);
      }
    }
    return { contentType, body, delaySeconds: message.delaySeconds ?? input.delaySeconds ?? 0 };
  });
  try {
    checkBatch(
      outgoing.map((message) => message.body.byteLength),
      true,
    );
  } catch (error) {
    throw new PlatformError("ERR_TOO_LARGE", 413, (error as Error).message);
  }
  await storeMessages(database(c.env), queue.id, outgoing);
  return c.json({ sent: outgoing.length }, 201);
});

/** Cloudflare's HTTP pull: leases up to batch_size messages for visibility_timeout_ms. */
queues.post("/queues/:name/messages/pull", async (c) => {
  const queue = await queueOf(c.env, actingTenant(c.var.scope, tenantOf(c.req.query("tenant"))), c.req.param("name"));
  const input = parse(PullSchema, await readJsonBody(c.req.raw, 4096, true), "body");
  const messages = await receive(database(c.env), queue.id, queue.name, input.batch_size ?? 1, input.visibility_timeout_ms);
  return c.json({
    messages: messages.map((message) => ({
      id: message.id,
      timestamp_ms: message.timestamp,
      attempts: message.attempts,
      contentType: message.contentType,
      body: wireBody(message.contentType, message.body),
      lease_id: message.leaseId,
    })),
  });
});

/** Acks and retries by lease id; unknown or expired-and-retaken leases are ignored (idempotent). */
queues.post("/queues/:name/messages/ack", async (c) => {
  const queue = await queueOf(c.env, actingTenant(c.var.scope, tenantOf(c.req.query("tenant"))), c.req.param("name"));
  const input = parse(AckSchema, await readJsonBody(c.req.raw, 64 * 1024), "body");
  const acked = await acknowledge(
    database(c.env),
    queue.id,
    input.acks.map((ack) => ack.lease_id),
  );
  await retry(
    database(c.env),
    queue.id,
    queue.name,
    input.retries.map((r) => ({ handle: r.lease_id, delaySeconds: r.delay_seconds })),
  );
  return c.json({ ackCount: acked, retryCount: input.retries.length });
});

queues.post("/queues/:name/messages/visibility", async (c) => {
  const queue = await queueOf(c.env, actingTenant(c.var.scope, tenantOf(c.req.query("tenant"))), c.req.param("name"));
  const input = parse(VisibilitySchema, await readJsonBody(c.req.raw, 4096), "body");
  return c.json({ updated: await changeVisibility(database(c.env), queue.id, input.lease_id, input.visibility_timeout_ms) });
});
