// workerd's stdout and stderr carry every isolate's console output, tenants' included, so the
// supervisor reads them as untrusted text and never passes them through raw: a line is printed
// as a platform line only when it carries this start's nonce (runner/logs/log.ts); workerd's own
// diagnostics are wrapped as `src: "workerd"`; any other console line is dropped and counted.
// Everything printed is rate limited per source, and what was dropped is reported. The runner's
// invocation journal (`src: "journal"`, runner/logs/journal.ts) is not printed: it goes, whole
// and unlimited, to whoever asked for it (the watchdog).

/** A longer line is dropped unread (a tenant's console.log of megabytes). */
export const MAX_LINE_BYTES = 64 * 1024;
export const REPORT_EVERY_MS = 5000;
/** What a line costs against its source's budget at least, so many tiny lines are limited too. */
const MIN_LINE_COST = 256;
/** Bytes of output per source: a burst, then a steady rate. Each tenant worker has its own. */
const BUDGETS = {
  tenant: { burst: 128 * 1024, perSecond: 32 * 1024 },
  runner: { burst: 1024 * 1024, perSecond: 256 * 1024 },
  workerd: { burst: 64 * 1024, perSecond: 16 * 1024 },
};
const LEVELS = new Set(["debug", "info", "warn", "error"]);
/** The runner's count of tenant output it did not print (runner/logs/sink.ts). */
const UNPRINTED_OUTPUT = "tenant output not printed";
const CONSOLE_DROPPED = {
  reason: "console output of an isolate (a tenant's is printed from the lines its isolate captures when its worker has observability on)",
};

/**
 * @typedef {Record<string, unknown> & { level: string, src: string, msg: string }} Entry
 * @typedef {{ kind: "platform" | "workerd" | "journal", entry: Entry } | { kind: "console" }} Classified
 * @typedef {{ process?: number, onJournal?: (entry: Entry) => void, onDiagnostic?: (entry: Entry) => void }} Origin  which process printed it, who reads its journal, and who reads workerd's own lines (never a tenant's)
 */

/**
 * What one line of workerd output is. `nonce` marks the runner's lines; workerd prints console
 * calls as `{"timestamp","level","message"}` and its own diagnostics with a `source` too.
 * @param {string} text
 * @param {string} nonce
 * @param {"stdout" | "stderr"} stream
 * @returns {Classified}
 */
export function classify(text, nonce, stream) {
  const raw = { kind: /** @type {const} */ ("workerd"), entry: { level: stream === "stderr" ? "warn" : "info", src: "workerd", stream, msg: text } };
  const line = parseObject(text);
  if (!line || typeof line.message !== "string") return raw;
  if (typeof line.source === "string") {
    return { kind: "workerd", entry: { level: levelOf(line.level), src: "workerd", source: line.source, msg: line.message } };
  }
  const runner = line.message.startsWith(nonce) ? parseObject(line.message.slice(nonce.length)) : null;
  if (!runner || typeof runner.msg !== "string") return { kind: "console" };
  const { time: _time, level, src, msg, ...fields } = runner;
  // The runner's invocation journal (runner/logs/journal.ts) is for the watchdog, not the log.
  if (src === "journal") return { kind: "journal", entry: { level: "debug", src, msg, ...fields } };
  return { kind: "platform", entry: { level: levelOf(level), src: src === "tenant" ? "tenant" : "runner", msg, ...fields } };
}

/** @param {string} text @returns {Record<string, unknown> | null} */
function parseObject(text) {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** @param {unknown} level */
const levelOf = (level) => (typeof level === "string" && LEVELS.has(level) ? level : "info");

export class TokenBucket {
  #tokens;
  #at;
  /** @param {{ burst: number, perSecond: number }} budget @param {number} now */
  constructor(budget, now) {
    this.budget = budget;
    this.#tokens = budget.burst;
    this.#at = now;
  }

  /** @param {number} cost @param {number} now @returns {boolean} */
  take(cost, now) {
    this.#tokens = Math.min(this.budget.burst, this.#tokens + ((now - this.#at) / 1000) * this.budget.perSecond);
    this.#at = now;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}

/**
 * Splits a stream into lines; a line over `maxBytes` is skipped to its end and reported once.
 * @param {(line: string) => void} onLine
 * @param {() => void} onOversized
 * @param {number} [maxBytes]
 */
export function lineSplitter(onLine, onOversized, maxBytes = MAX_LINE_BYTES) {
  /** @type {Buffer[]} */
  let parts = [];
  let length = 0;
  let skipping = false;
  return (/** @type {Buffer} */ chunk) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; start = end + 1, end = chunk.indexOf(10, start)) {
      if (!skipping) onLine(Buffer.concat([...parts, chunk.subarray(start, end)]).toString("utf8"));
      parts = [];
      length = 0;
      skipping = false;
    }
    if (skipping || start === chunk.length) return;
    parts.push(chunk.subarray(start));
    length += chunk.length - start;
    if (length > maxBytes) {
      onOversized();
      parts = [];
      length = 0;
      skipping = true;
    }
  };
}

/**
 * Reads workerd's output and prints it through `logger` as described above.
 * @param {string} nonce
 * @param {import("./log.js").Logger} logger
 * @param {{ now?: () => number, reportEveryMs?: number, onJournal?: (entry: Entry) => void }} [options]  journal lines are dropped without `onJournal`
 */
export function workerdOutput(nonce, logger, { now = Date.now, reportEveryMs = REPORT_EVERY_MS, onJournal = () => {} } = {}) {
  if (nonce.length < 16) throw new Error("ERR_LOG_NONCE: the log nonce must be a long random string");
  /** @type {Map<string, TokenBucket>} */
  const buckets = new Map();
  /** @type {Map<string, { fields: Record<string, unknown>, dropped: number }>} */
  const drops = new Map();
  /** @type {NodeJS.Timeout | undefined} */
  let timer;

  const report = () => {
    timer = undefined;
    for (const { fields, dropped } of drops.values()) logger.warn("log lines dropped", { ...fields, dropped });
    drops.clear();
  };
  /** @param {string} key @param {Record<string, unknown>} fields @param {number} [count] */
  const drop = (key, fields, count = 1) => {
    const counter = drops.get(key) ?? { fields, dropped: 0 };
    counter.dropped += count;
    drops.set(key, counter);
    timer ??= setTimeout(report, reportEveryMs).unref();
  };

  /** Counted as if printed and dropped here: raw console lines, lines too long, entries over a worker's rate. @param {Entry} entry */
  const countUnprinted = (entry) => {
    const count = (/** @type {unknown} */ value) => (typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : 0);
    if (count(entry.console) > 0) drop("console", CONSOLE_DROPPED, count(entry.console));
    if (count(entry.oversized) > 0) drop("long stdout", { reason: `a line over ${MAX_LINE_BYTES} bytes`, stream: "stdout" }, count(entry.oversized));
    for (const item of Array.isArray(entry.overRate) ? entry.overRate : []) {
      const { tenant, worker, dropped } = item ?? {};
      if (typeof tenant !== "string" || typeof worker !== "string" || count(dropped) === 0) continue;
      drop(`tenant ${tenant}/${worker}`, { reason: "over the rate limit", source: "tenant", tenant, worker }, count(dropped));
    }
  };

  /** @param {string} text @param {"stdout" | "stderr"} stream @param {Origin} [origin] */
  const line = (text, stream, origin = {}) => {
    if (text === "") return;
    const classified = classify(text, nonce, stream);
    if (classified.kind === "journal") {
      origin.onJournal?.(classified.entry);
      return onJournal(classified.entry);
    }
    if (classified.kind === "console") return drop("console", CONSOLE_DROPPED);
    const { entry } = classified;
    // Tenant output the runner did not print (runner/logs/sink.ts): isolates capture console calls
    // instead of printing them, and the runner applies the tenant rate limit before printing.
    if (classified.kind === "platform" && entry.src === "runner" && entry.msg === UNPRINTED_OUTPUT) return countUnprinted(entry);
    if (classified.kind === "workerd") origin.onDiagnostic?.(entry);
    const tenant = typeof entry.tenant === "string" ? { source: "tenant", tenant: entry.tenant, worker: entry.worker } : null;
    const key = tenant ? `tenant ${entry.tenant}/${entry.worker}` : entry.src;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = new TokenBucket(tenant ? BUDGETS.tenant : entry.src === "runner" ? BUDGETS.runner : BUDGETS.workerd, now())));
    if (bucket.take(Math.max(MIN_LINE_COST, text.length), now())) logger.write(origin.process === undefined ? entry : { ...entry, process: origin.process });
    else drop(key, { reason: "over the rate limit", ...(tenant ?? { source: entry.src }) });
  };

  return {
    /**
     * What takes one stream's chunks, as they come.
     * @param {"stdout" | "stderr"} stream @param {Origin} [origin] @returns {(chunk: Buffer) => void}
     */
    reader: (stream, origin) =>
      lineSplitter(
        (text) => line(text, stream, origin),
        () => drop(`long ${stream}`, { reason: `a line over ${MAX_LINE_BYTES} bytes`, stream }),
      ),
    line,
    /** Reports what is still counted (at shutdown). */
    flush() {
      clearTimeout(timer);
      report();
    },
  };
}
