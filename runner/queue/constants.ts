/** Cloudflare Queues limits: https://developers.cloudflare.com/queues/platform/limits/ (1 KB = 1000 bytes) */
export const QUEUE_LIMITS = {
  MAX_MESSAGE_BYTES: 128_000,
  MAX_BATCH_MESSAGES: 100,
  MAX_BATCH_BYTES: 256_000,
  /** `delaySeconds` when sending or retrying, and a pull consumer's visibility timeout: 12 hours. */
  MAX_DELAY_SECONDS: 12 * 60 * 60,
  MAX_VISIBILITY_TIMEOUT_MS: 12 * 60 * 60 * 1000,
  MAX_RETRIES: 100,
  MAX_CONSUMER_BATCH_SIZE: 100,
  MAX_BATCH_TIMEOUT_SECONDS: 60,
  MAX_CONCURRENCY: 250,
  /** The portable pull contract (SQS ReceiveMessage, Pub/Sub pull): 1-10 messages per call. */
  MAX_PULL_BATCH: 10,
} as const;

/** Consumer defaults: https://developers.cloudflare.com/queues/configuration/configure-queues/#consumer */
export const CONSUMER_DEFAULTS = {
  maxBatchSize: 10,
  maxBatchTimeout: 5,
  maxRetries: 3,
  retryDelay: 0,
} as const;

/** Body encodings: https://developers.cloudflare.com/queues/configuration/javascript-apis/#queuescontenttype */
export const CONTENT_TYPES = ["text", "bytes", "json", "v8"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/**
 * Error codes Queues appends to messages when `queue_expose_error_codes` is on (compatibility
 * date 2026-03-12): https://developers.cloudflare.com/queues/reference/error-codes/
 */
export const QUEUE_ERROR_CODES = {
  BATCH_DELAY_INVALID: 10202,
  MESSAGE_METADATA_INVALID: 10203,
  MESSAGE_SIZE_OUT_OF_BOUNDS: 10204,
  BATCH_SIZE_OUT_OF_BOUNDS: 10205,
  BATCH_COUNT_OUT_OF_BOUNDS: 10206,
  INTERNAL: 15000,
} as const;

/** workerd's flag dates for the queue binding's behaviour (src/workerd/io/compatibility-date.capnp). */
export const QUEUE_FLAG_DATES = {
  /** `queues_json_messages`: the default content type is json instead of v8. */
  JSON_MESSAGES: "2024-03-18",
  /** `queue_expose_error_codes`: errors read "<cause> (<code>)" instead of "Queue send failed: <cause>". */
  EXPOSE_ERROR_CODES: "2026-03-12",
} as const;

/**
 * How long a push delivery holds its messages. The lease is renewed while the handler runs, so
 * this only bounds how soon messages come back after a host dies mid-batch.
 */
export const PUSH_LEASE_MS = 10_000;
export const PUSH_LEASE_RENEW_MS = 3_000;
/** Cloudflare's consumer wall-clock limit: https://developers.cloudflare.com/queues/platform/limits/ */
export const MAX_HANDLER_MS = 15 * 60 * 1000;
/** A pull lease (receipt handle) lasts this long unless the receiver asks for another timeout. */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
/**
 * Batches one host delivers at once per queue when the consumer sets no max_concurrency
 * (Cloudflare then scales consumers up on its own). Measured end to end on 2 cores: 4 → 16 took
 * batches of 1 from ~440 to ~600 messages/s; the handler hop, not Postgres, was waiting.
 */
export const DEFAULT_HOST_CONCURRENCY = 16;
/** How stale the per-host backlog figures in send() responses may be. */
export const METRICS_TTL_MS = 1000;

/** Postgres NOTIFY channel: payload is a queue id with new messages. */
export const QUEUES_CHANNEL = "outpost_queues";
