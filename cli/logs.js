// `outpost logs NAME` (stored invocations) and `outpost tail NAME` (live), both over the admin
// API's log routes (docs/admin-api.md, "Logs"); filters are applied by the runner except the
// sampling rate, which thins what this terminal prints.
import { adminEndpoint, callAdmin } from "./admin-client.js";

/**
 * @typedef {object} LogOptions
 * @property {"pretty" | "json"} format
 * @property {string | undefined} status   ok | error | canceled (outcomes, as wrangler tail's --status), or an HTTP status
 * @property {string | undefined} method
 * @property {string | undefined} search
 * @property {string | undefined} level
 * @property {string | undefined} header  NAME or NAME:VALUE: fetches whose request had that header
 * @property {string | undefined} ip  fetches from that client address
 * @property {number | undefined} samplingRate  0-1: the share of events printed
 * @property {string | undefined} since
 * @property {string | undefined} until
 * @property {number | undefined} limit
 * @property {string | undefined} cursor  the page after the one that printed it
 */

const OUTCOME_STATUSES = ["ok", "error", "canceled"];

/** @param {string} name */
const path = (name) => `/v1/workers/${encodeURIComponent(name)}`;

/** @param {LogOptions} options @param {Record<string, string | undefined>} [extra] */
function query(options, extra = {}) {
  const status = options.status;
  if (status !== undefined && !OUTCOME_STATUSES.includes(status) && !/^[1-5][0-9]{2}$/.test(status)) {
    throw new Error(`--status must be ok, error, canceled or an HTTP status, got ${status}`);
  }
  const isOutcome = status !== undefined && OUTCOME_STATUSES.includes(status);
  const params = {
    outcome: isOutcome ? status : undefined,
    status: isOutcome ? undefined : status,
    method: options.method,
    search: options.search,
    level: options.level,
    header: options.header,
    ip: options.ip,
    since: options.since,
    until: options.until,
    cursor: options.cursor,
    ...extra,
  };
  const search = new URLSearchParams(Object.entries(params).filter(/** @returns {entry is [string, string]} */ (entry) => entry[1] !== undefined));
  return search.size === 0 ? "" : `?${search}`;
}

/** @param {string} name @param {LogOptions} options */
export async function logs(name, options) {
  const page = await callAdmin("GET", `${path(name)}/logs${query(options, { limit: options.limit === undefined ? undefined : String(options.limit) })}`);
  // Oldest first, as a terminal reads.
  for (const event of [...page.events].reverse()) print(event, options);
  if (options.format === "pretty") {
    if (page.events.length === 0) console.log(`no stored invocations of ${name} match`);
    if (page.cursor !== null) console.log(`(older invocations: add --cursor ${page.cursor})`);
    if (page.dropped > 0) console.log(`(${page.dropped} invocations of ${name} could not be stored: the log store was slow or down)`);
  }
}

/** Retries after a lost connection, at most this long apart. */
const RECONNECT_MS = 1_000;

/**
 * Streams until interrupted; a lost connection is resumed after the last event printed.
 * @param {string} name @param {LogOptions} options @param {AbortSignal} [signal]
 */
export async function tail(name, options, signal) {
  const { url, token } = adminEndpoint();
  /** @type {string | undefined} */
  let after;
  if (options.format === "pretty") console.error(`Tailing ${name}; Ctrl-C to stop.`);
  while (!signal?.aborted) {
    try {
      const response = await fetch(`${url}${path(name)}/tail${query(options, { after })}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: signal ?? null,
      });
      if (!response.ok) {
        /** @type {any} */
        const payload = await response.json().catch(() => ({}));
        throw new Error(`${payload?.error?.code ?? `HTTP ${response.status}`}: ${payload?.error?.message ?? response.statusText}`, { cause: "refused" });
      }
      for await (const event of events(response)) {
        after = event.id;
        if (options.samplingRate === undefined || Math.random() < options.samplingRate) print(event, options);
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (/** @type {Error} */ (error).cause === "refused") throw error;
      console.error(`outpost tail: connection lost (${/** @type {Error} */ (error).message}); reconnecting`);
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }
}

/** @param {Response} response */
async function* events(response) {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line !== "") yield JSON.parse(line);
  }
}

/** @param {any} event @param {LogOptions} options */
function print(event, options) {
  if (options.format === "json") {
    console.log(JSON.stringify(event));
    return;
  }
  const what =
    event.trigger === "fetch"
      ? `${event.method} ${event.path} ${event.status ?? "-"}`
      : event.trigger === "scheduled"
        ? `scheduled ${event.cron}`
        : event.trigger === "queue"
          ? `queue ${event.queue}`
          : event.trigger;
  const duration = event.durationMs === null ? "" : ` ${event.durationMs} ms`;
  console.log(`${event.at} ${what} ${event.outcome}${duration}`);
  // JSON.stringify escapes control characters: a tenant's line cannot move the cursor or clear the terminal.
  const text = (/** @type {string} */ value) => JSON.stringify(value).slice(1, -1);
  for (const line of event.logs) console.log(`  (${line.level}) ${text(line.message)}`);
  for (const exception of event.exceptions) console.log(`  ✘ ${text(exception.name)}: ${text(exception.message)}`);
  if (event.dropped > 0) console.log(`  (${event.dropped} more lines not kept)`);
}
