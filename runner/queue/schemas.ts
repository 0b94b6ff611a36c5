// The deploy body's `queues` (runner/admin/schemas.ts includes it), and the admin API's queue
// requests. Consumer settings: https://developers.cloudflare.com/queues/configuration/configure-queues/#consumer
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import { QUEUE_LIMITS } from "./constants.ts";
import { QUEUE_NAME_PATTERN } from "./validate.ts";

export const QueueNameSchema = z.string().regex(QUEUE_NAME_PATTERN, "Queue names are 1-63 letters, digits, '_' and '-', starting with a letter or digit.");

const DelaySecondsSchema = z.number().int().min(0).max(QUEUE_LIMITS.MAX_DELAY_SECONDS);

export const QueueProducerSchema = z
  .object({
    queue: QueueNameSchema,
    /** Default delay of every message sent through this binding (wrangler `delivery_delay`). */
    deliveryDelay: DelaySecondsSchema.optional(),
  })
  .strict();

export const QueueConsumerSchema = z
  .object({
    queue: QueueNameSchema,
    /** "worker": the worker's queue() handler is invoked (push); "http_pull": messages wait for pulls. */
    type: z.enum(["worker", "http_pull"]).optional(),
    maxBatchSize: z.number().int().min(1).max(QUEUE_LIMITS.MAX_CONSUMER_BATCH_SIZE).optional(),
    maxBatchTimeout: z.number().min(0).max(QUEUE_LIMITS.MAX_BATCH_TIMEOUT_SECONDS).optional(),
    maxRetries: z.number().int().min(0).max(QUEUE_LIMITS.MAX_RETRIES).optional(),
    retryDelay: DelaySecondsSchema.optional(),
    maxConcurrency: z.number().int().min(1).max(QUEUE_LIMITS.MAX_CONCURRENCY).optional(),
    deadLetterQueue: QueueNameSchema.optional(),
    /** A pull consumer's default lease (wrangler `visibility_timeout_ms`). */
    visibilityTimeoutMs: z.number().int().min(0).max(QUEUE_LIMITS.MAX_VISIBILITY_TIMEOUT_MS).optional(),
  })
  .strict()
  .refine((consumer) => consumer.deadLetterQueue !== consumer.queue, "A queue cannot be its own dead-letter queue.");

export type QueueProducer = z.infer<typeof QueueProducerSchema>;
export type QueueConsumer = z.infer<typeof QueueConsumerSchema>;

export const QueuesDeploySchema = z
  .object({
    producers: safeRecord(BindingNameSchema, QueueProducerSchema).default({}),
    consumers: z.array(QueueConsumerSchema).max(100).default([]),
  })
  .strict()
  .superRefine((queues, ctx) => {
    const seen = new Set<string>();
    for (const consumer of queues.consumers) {
      if (seen.has(consumer.queue))
        ctx.addIssue({ code: "custom", path: ["consumers"], message: `Queue ${consumer.queue} has two consumers; a queue has one.` });
      seen.add(consumer.queue);
    }
  });

/** `POST /v1/queues/:name/messages`: Cloudflare's HTTP publish body. */
export const PublishSchema = z
  .object({
    messages: z
      .array(
        z
          .object({
            body: z.unknown(),
            // v8 bodies come only from workers: the bytes must be what V8 serialized.
            contentType: z.enum(["text", "json", "bytes"]).optional(),
            delaySeconds: DelaySecondsSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(QUEUE_LIMITS.MAX_BATCH_MESSAGES),
    delaySeconds: DelaySecondsSchema.optional(),
  })
  .strict();

/** `POST /v1/queues/:name/messages/pull`, named as in Cloudflare's HTTP pull API. */
export const PullSchema = z
  .object({
    batch_size: z.number().int().min(1).max(QUEUE_LIMITS.MAX_PULL_BATCH).optional(),
    visibility_timeout_ms: z.number().int().min(0).max(QUEUE_LIMITS.MAX_VISIBILITY_TIMEOUT_MS).optional(),
  })
  .strict();

const LeaseIdSchema = z.string().regex(/^[0-9a-f]{64}$/, "lease_id must be one returned by a pull, unchanged.");

/** `POST /v1/queues/:name/messages/ack`: acks and retries (nacks) by lease id, as Cloudflare's. */
export const AckSchema = z
  .object({
    acks: z
      .array(z.object({ lease_id: LeaseIdSchema }).strict())
      .max(QUEUE_LIMITS.MAX_BATCH_MESSAGES)
      .default([]),
    retries: z
      .array(z.object({ lease_id: LeaseIdSchema, delay_seconds: DelaySecondsSchema.optional() }).strict())
      .max(QUEUE_LIMITS.MAX_BATCH_MESSAGES)
      .default([]),
  })
  .strict();

/** `POST /v1/queues/:name/messages/visibility`: extend (or shorten) one lease. */
export const VisibilitySchema = z
  .object({ lease_id: LeaseIdSchema, visibility_timeout_ms: z.number().int().min(0).max(QUEUE_LIMITS.MAX_VISIBILITY_TIMEOUT_MS) })
  .strict();

/** `GET /v1/queues/:name/messages`: a page of the queue's messages, read without leasing them. */
export const BrowseQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z
      .string()
      .regex(/^[0-9]{1,19}$/, "Expected the cursor of the previous page, unchanged.")
      .optional(),
  })
  .strict();
