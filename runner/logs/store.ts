// The log store's writer. Invocations go into a bounded buffer in this process and are written in
// batches, at most one batch in flight: nothing waits for the database on a request's path, and
// while a batch is written the next one gathers. A batch also gathers for GATHER_MS before it is
// written: each statement costs the runner and Postgres about as much CPU as several invocations'
// rows, so under load few large batches leave more CPU to requests than many small ones. A batch
// the database refuses is dropped, and so are new invocations while the buffer is full: they are
// counted per worker, the counts reach table log_drops with the next batch written (so the API's
// `dropped`), and a runner line says so. A batch that got no answer may still commit: it is in
// doubt until the next call settles it (migration 0020), counted as dropped only if it was not
// stored, so every invocation is either stored or counted, never both. Each invocation's row is
// built when its batch is taken (logs/open.ts), so the lines its isolate hands over meanwhile are
// in it; rows written are also exported (logs/otlp.ts) when a collector is configured.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { errorText, log } from "./log.ts";
import type { StoredInvocation } from "./invocation.ts";
import { exportLater, exportPending } from "./otlp.ts";
import { LOG_SQL } from "./sql.ts";

export const LOG_STORE_LIMITS = {
  /** Invocations buffered in one process at most; more are dropped. */
  MAX_BUFFERED: 5_000,
  /** Invocations written by one statement. */
  MAX_BATCH: 500,
  /** How long a batch gathers before it is written, unless it is full: added to a tail's latency. */
  GATHER_MS: 50,
  /** A flush older than this is taken for lost (its invocation context ended) and another may start. */
  STALE_FLUSH_MS: 10_000,
  /** Workers whose drops are remembered at once until they are written. */
  MAX_DROP_COUNTS: 10_000,
} as const;

/** Invocations of a worker not stored. */
interface DropCount {
  tenant: string;
  worker: string;
  dropped: number;
}

/** A call of store_log_batch: its number (migration 0020), and what it counts as dropped if it never commits. */
interface Call {
  seq: number;
  drops: DropCount[];
}

/** An invocation in the buffer: who it belongs to, and its row as it is when its batch is written (null: none). */
export interface Pending {
  tenant: string;
  worker: string;
  row(): StoredInvocation | null;
}

const buffer: Pending[] = [];
const drops = new Map<string, DropCount>();
/** The flush writing now: one at a time, unless it is stale. */
let flushing: { since: number; exports: Promise<void>[] } | null = null;
/** This process's name as a writer (made lazily: no randomness at the top level) and its last call's number. */
let writer: string | undefined;
let lastSeq = 0;
/** The call whose answer never came: it may have committed. While one is, no invocation is sent. */
let doubt: Call | null = null;
let inFlight: Call | null = null;
// Dropped invocations are told in at most one runner line per interval, with their count.
const WARN_EVERY_MS = 10_000;
let droppedSinceWarning = 0;
let warnedAt = 0;

/** Takes an invocation for the next batch, or counts it dropped when the buffer is full. */
function enqueue(invocation: Pending): void {
  if (buffer.length < LOG_STORE_LIMITS.MAX_BUFFERED) buffer.push(invocation);
  else countDropped([invocation]);
}

/** Takes an invocation for the next batch and, unless a flush is under way, starts one off the request's path. */
export function enqueueAndFlush(env: Env, ctx: ExecutionContext, invocation: Pending): void {
  enqueue(invocation);
  if (flushing === null || Date.now() - flushing.since >= LOG_STORE_LIMITS.STALE_FLUSH_MS) ctx.waitUntil(flush(env));
}

/**
 * Writes the buffer in batches until it is empty; returns at once when another call is writing.
 * A batch in doubt is settled first, by a call of its own; until then the buffer waits (and fills).
 */
async function flush(env: Env): Promise<void> {
  const now = Date.now();
  if (flushing !== null && now - flushing.since < LOG_STORE_LIMITS.STALE_FLUSH_MS) return;
  // The stale flush's call may still commit: it is in doubt (unless it only settled the one in doubt).
  if (inFlight !== null) doubt ??= inFlight;
  inFlight = null;
  const mine = { since: now, exports: [] as Promise<void>[] };
  flushing = mine;
  try {
    if (doubt !== null && (await store(env, [], []).catch(() => "refused")) !== "stored") return;
    while (buffer.length > 0) {
      if (buffer.length < LOG_STORE_LIMITS.MAX_BATCH) await scheduler.wait(LOG_STORE_LIMITS.GATHER_MS);
      if (flushing !== mine) return;
      mine.since = Date.now();
      if (!(await writeBatch(env, buffer.splice(0, LOG_STORE_LIMITS.MAX_BATCH), mine.exports))) return;
    }
  } finally {
    if (flushing === mine) flushing = null;
    // The export runs beside the store; this flush's context lasts until it is done.
    await Promise.all(mine.exports);
  }
}

/**
 * One batch with the drops counted so far. Refused (Postgres answered with an error, which rolls
 * it back: a lock waited for too long), it is counted as dropped now; unanswered, it is in doubt,
 * and false stops the flush.
 */
async function writeBatch(env: Env, batch: Pending[], exports: Promise<void>[]): Promise<boolean> {
  const reported = [...drops.values()];
  drops.clear();
  const rows = batch.map((pending) => pending.row()).filter((row) => row !== null);
  const { otlpLogsUrl } = env.CONFIG;
  if (otlpLogsUrl !== null && rows.length > 0) {
    for (const row of rows) exportLater(row);
    exports.push(exportPending(otlpLogsUrl));
  }
  try {
    if ((await store(env, rows, reported)) === "stored") return true;
  } catch (error) {
    for (const { tenant, worker, dropped } of reported) addDrops(tenant, worker, dropped);
    countDropped(batch, error);
    return true;
  }
  log.warn(`log store: no answer for a batch of ${batch.length} invocations; they count as dropped once a later call finds it was not stored`);
  return false;
}

/**
 * One call (store_log_batch, migrations 0020 and 0022), carrying the batch in doubt if there is
 * one; throws the error Postgres answered with. An answer that comes after another flush took
 * this call for lost is ignored: that flush put the call in doubt.
 */
async function store(env: Env, batch: StoredInvocation[], reported: DropCount[]): Promise<"stored" | "in doubt"> {
  writer ??= crypto.randomUUID();
  const call: Call = { seq: ++lastSeq, drops: [...reported, ...batch.map(({ tenant, worker }) => ({ tenant, worker, dropped: 1 }))] };
  const settling = doubt;
  inFlight = call;
  try {
    const [row] = await database(env).query(LOG_SQL.storeBatch, [
      JSON.stringify(batch),
      [...new Set(batch.map((invocation) => `${invocation.tenant}/${invocation.worker}`))],
      JSON.stringify(reported),
      writer,
      call.seq,
      settling === null ? null : JSON.stringify(settling),
    ]);
    if (inFlight !== call) return "in doubt";
    if (settling !== null) settled(settling, row?.doubt_dropped === true);
    return "stored";
  } catch (error) {
    if (inFlight !== call) return "in doubt";
    if (!isDatabaseUnavailable(error)) throw error;
    // A call that settles the doubt carries nothing of its own: the doubt stays the one there is.
    doubt ??= call;
    return "in doubt";
  } finally {
    if (inFlight === call) inFlight = null;
  }
}

function settled(call: Call, dropped: boolean): void {
  if (doubt === call) doubt = null;
  const invocations = call.drops.reduce((sum, count) => sum + count.dropped, 0);
  if (dropped) log.warn(`log store: the batch in doubt was not stored; its ${invocations} invocations are counted as dropped`);
  else log.info(`log store: the batch in doubt had been stored; none of its ${invocations} invocations is counted as dropped`);
}

function countDropped(events: readonly { tenant: string; worker: string }[], error?: unknown): void {
  for (const { tenant, worker } of events) addDrops(tenant, worker, 1);
  droppedSinceWarning += events.length;
  const now = Date.now();
  if (now - warnedAt < WARN_EVERY_MS) return;
  warnedAt = now;
  const why = error === undefined ? "the buffer is full" : "the database refused the batch";
  log.warn(`log store: ${droppedSinceWarning} invocations dropped (${why})`, {
    dropped: droppedSinceWarning,
    ...(error === undefined ? {} : { error: errorText(error) }),
  });
  droppedSinceWarning = 0;
}

function addDrops(tenant: string, worker: string, dropped: number): void {
  const key = `${tenant}/${worker}`;
  const known = drops.get(key);
  if (known) known.dropped += dropped;
  else if (drops.size < LOG_STORE_LIMITS.MAX_DROP_COUNTS) drops.set(key, { tenant, worker, dropped });
}

/** How the invocations a killed process had in flight ended, by the incident's kind. */
const KILLED_OUTCOMES = { cpu: "exceededCpu", memory: "exceededMemory", crash: "canceled" } as const;

/**
 * Stores one invocation per suspect of an incident (a process the supervisor killed or saw die),
 * for versions with observability on: the process never reported those invocations itself. A
 * failure is logged, not thrown: the incident is judged all the same.
 */
export async function storeKilledInvocations(
  env: Env,
  kind: keyof typeof KILLED_OUTCOMES,
  suspects: readonly { tenant: string; worker: string; version: string }[],
): Promise<void> {
  if (suspects.length === 0) return;
  const who = suspects.map(({ tenant, worker, version }) => ({ tenant, worker, version }));
  await database(env)
    .transaction([
      { text: LOG_SQL.lockWorkers, params: [[...new Set(who.map((w) => `${w.tenant}/${w.worker}`))]] },
      { text: LOG_SQL.incident, params: [JSON.stringify(who), KILLED_OUTCOMES[kind]] },
    ])
    .catch((error: unknown) => log.warn("log store: could not store the invocations an incident ended", { error: errorText(error) }));
}

/** Deletes each worker's stored invocations past its count and age (the host's sweep calls it every minute). */
export async function expireLogs(env: Env): Promise<void> {
  await database(env).query(LOG_SQL.expire, [env.CONFIG.logRetentionEvents, env.CONFIG.logRetentionHours * 3600]);
  await database(env).query(LOG_SQL.forgetWriters);
}
