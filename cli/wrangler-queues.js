// wrangler.toml's `[[queues.producers]]`, `[[queues.consumers]]` and `[triggers] crons`, read
// into the deploy body's `queues` and `crons`. Field reference:
// https://developers.cloudflare.com/queues/configuration/configure-queues/ and
// https://developers.cloudflare.com/workers/wrangler/configuration/#triggers

/** wrangler's consumer keys → the deploy body's. */
const CONSUMER_FIELDS = /** @type {const} */ ({
  max_batch_size: "maxBatchSize",
  max_batch_timeout: "maxBatchTimeout",
  max_retries: "maxRetries",
  retry_delay: "retryDelay",
  max_concurrency: "maxConcurrency",
  visibility_timeout_ms: "visibilityTimeoutMs",
});

/**
 * @typedef {object} QueuesConfig
 * @property {Record<string, { queue: string, deliveryDelay?: number }>} producers
 * @property {Record<string, unknown>[]} consumers  the deploy body's consumer objects
 */

/**
 * @typedef {object} Checks  the subset of wrangler-config.js's checker used here
 * @property {string} file
 * @property {(value: unknown, where: string) => string | undefined} string
 * @property {(value: unknown, where: string) => string} binding
 * @property {<T>(value: T | undefined, where: string) => T} required
 * @property {(value: unknown, where: string) => Record<string, unknown>} table
 * @property {(value: unknown, where: string) => Record<string, unknown>[]} tables
 * @property {(value: unknown, where: string) => string[]} strings
 */

/**
 * @param {Record<string, unknown>} config  the parsed top level
 * @param {Checks} check
 * @returns {{ queues?: QueuesConfig, crons?: string[] }}  each absent when the file declares none
 */
export function readQueuesAndCrons(config, check) {
  const cronList = readCrons(config.triggers, check);
  const crons = cronList.length > 0 ? { crons: cronList } : {};
  if (config.queues === undefined) return crons;
  const table = check.table(config.queues, "queues");
  const unknown = Object.keys(table).filter((key) => key !== "producers" && key !== "consumers");
  if (unknown.length > 0) throw new Error(`${check.file}: queues has fields Outpost does not know: ${unknown.join(", ")}`);

  /** @type {QueuesConfig["producers"]} */
  const producers = {};
  check.tables(table.producers ?? [], "queues.producers").forEach((entry, i) => {
    const where = `queues.producers[${i}]`;
    only(entry, ["binding", "queue", "delivery_delay"], where, check.file);
    const binding = check.binding(entry.binding, `${where}.binding`);
    const queue = check.required(check.string(entry.queue, `${where}.queue`), `${where}.queue`);
    const deliveryDelay = number(entry.delivery_delay, `${where}.delivery_delay`, check.file);
    producers[binding] = deliveryDelay === undefined ? { queue } : { queue, deliveryDelay };
  });

  const consumers = check.tables(table.consumers ?? [], "queues.consumers").map((entry, i) => {
    const where = `queues.consumers[${i}]`;
    only(entry, ["queue", "type", "dead_letter_queue", ...Object.keys(CONSUMER_FIELDS)], where, check.file);
    /** @type {Record<string, unknown>} */
    const consumer = { queue: check.required(check.string(entry.queue, `${where}.queue`), `${where}.queue`) };
    const type = check.string(entry.type, `${where}.type`);
    if (type !== undefined) {
      if (type !== "worker" && type !== "http_pull") throw new Error(`${check.file}: ${where}.type must be "worker" or "http_pull"`);
      consumer.type = type;
    }
    const deadLetterQueue = check.string(entry.dead_letter_queue, `${where}.dead_letter_queue`);
    if (deadLetterQueue !== undefined) consumer.deadLetterQueue = deadLetterQueue;
    for (const [key, field] of Object.entries(CONSUMER_FIELDS)) {
      const value = number(entry[key], `${where}.${key}`, check.file);
      if (value !== undefined) consumer[field] = value;
    }
    return consumer;
  });
  return Object.keys(producers).length > 0 || consumers.length > 0 ? { queues: { producers, consumers }, ...crons } : crons;
}

/** @param {unknown} triggers @param {Checks} check */
function readCrons(triggers, check) {
  if (triggers === undefined) return [];
  const table = check.table(triggers, "triggers");
  const unknown = Object.keys(table).filter((key) => key !== "crons");
  if (unknown.length > 0) throw new Error(`${check.file}: triggers has fields Outpost does not know: ${unknown.join(", ")}`);
  return check.strings(table.crons ?? [], "triggers.crons");
}

/** @param {Record<string, unknown>} entry @param {string[]} known @param {string} where @param {string} file */
function only(entry, known, where, file) {
  const unknown = Object.keys(entry).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${file}: ${where} has fields Outpost does not know: ${unknown.join(", ")}`);
}

/** @param {unknown} value @param {string} where @param {string} file @returns {number | undefined} */
function number(value, where, file) {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`${file}: ${where} must be a number`);
  return value;
}
