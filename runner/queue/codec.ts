// Message bodies between their JS form and the bytes Postgres keeps.
//
// `v8` bodies must be V8-serialized exactly as Cloudflare does (workerd's serializer, format
// version 15), but workerd gives JavaScript no serializer (`node:v8` serialize is not
// implemented). It does give the runner a queue binding: V8_QUEUE's sendBatch() serializes each
// `v8` body with that very serializer and posts the batch to QueueCodec below, which keeps the
// bytes for the caller (a leading text message carries the caller's token). The other way, a
// `serializedBody` handed to a queue() handler is deserialized by workerd: QueueCodec's own
// queue() handler, reached over ctx.exports, receives the values.
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { ContentType } from "./constants.ts";
import { fromBase64, toBase64 } from "../encoding.ts";

const serialized = new Map<string, string[]>();
const deserialized = new Map<string, unknown>();

interface CapturedBatch {
  messages: { body: string; contentType?: string }[];
}

export class QueueCodec extends WorkerEntrypoint<Env> {
  /** V8_QUEUE's "broker": keeps the serialized bodies under the token the first message carries. */
  override async fetch(request: Request): Promise<Response> {
    const { messages } = (await request.json()) as CapturedBatch;
    const [token, ...bodies] = messages;
    if (token)
      serialized.set(
        atob(token.body),
        bodies.map((message) => message.body),
      );
    return Response.json({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } });
  }

  /** Receives deserialized `v8` bodies (see deserializeV8). */
  async queue(batch: MessageBatch): Promise<void> {
    for (const message of batch.messages) deserialized.set(message.id, message.body);
  }
}

/** V8-serializes values as Cloudflare's queue binding does; a value that cannot be cloned throws DataCloneError. */
export async function serializeV8(env: Env, values: unknown[]): Promise<Uint8Array[]> {
  if (values.length === 0) return [];
  const token = crypto.randomUUID();
  try {
    await env.V8_QUEUE.sendBatch([{ body: token, contentType: "text" }, ...values.map((body) => ({ body, contentType: "v8" as const }))]);
    const bodies = serialized.get(token);
    if (!bodies || bodies.length !== values.length) throw new Error("the V8 serializer returned no bodies");
    return bodies.map(fromBase64);
  } finally {
    serialized.delete(token);
  }
}

interface QueueCallable {
  queue(queueName: string, messages: { id: string; timestamp: Date; attempts: number; serializedBody: Uint8Array }[]): Promise<{ outcome: string }>;
}

/** Deserializes `v8` bodies with workerd's own deserializer. */
export async function deserializeV8(ctx: { exports: unknown }, bodies: Uint8Array[]): Promise<unknown[]> {
  if (bodies.length === 0) return [];
  const token = crypto.randomUUID();
  const ids = bodies.map((_, i) => `${token}:${i}`);
  try {
    const codec = (ctx.exports as { QueueCodec: QueueCallable }).QueueCodec;
    const result = await codec.queue(
      "__outpost_codec",
      bodies.map((serializedBody, i) => ({ id: ids[i] as string, timestamp: new Date(0), attempts: 1, serializedBody })),
    );
    if (result.outcome !== "ok") throw new Error("A v8 message body could not be deserialized.");
    return ids.map((id) => deserialized.get(id));
  } finally {
    for (const id of ids) deserialized.delete(id);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text and json bodies as stored (UTF-8); bytes as they are. */
export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A stored body as a queue() handler's message receives it, or `serializedBody` for v8. */
export function deliveryBody(contentType: ContentType, body: Uint8Array): { body: unknown } | { serializedBody: Uint8Array } {
  switch (contentType) {
    case "text":
      return { body: decoder.decode(body) };
    case "json":
      return { body: JSON.parse(decoder.decode(body)) };
    case "bytes":
      return { body: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) };
    case "v8":
      return { serializedBody: body };
  }
}

/** A stored body for the admin API: text as text, bytes and v8 base64-encoded. */
export function wireBody(contentType: ContentType, body: Uint8Array): string {
  return contentType === "text" || contentType === "json" ? decoder.decode(body) : toBase64(body);
}
