// The log store's writer. Invocations go into a bounded buffer in this process and are written in
// batches, at most one batch in flight: nothing waits for the database on a request's path, and
// while a batch is written the next one gathers. A batch also gathers for GATHER_MS before it is
// written: each statement costs the runner and Postgres about as much CPU as several invocations'
// rows, so under load few large batches leave more CPU to requests than many small ones. A batch the database refuses or is too slow for
// is dropped, and so are new invocations while the buffer is full: they are counted per worker,
// the counts reach table log_drops with the next batch written (so the API's `dropped`), and a
// runner line says so. Each invocation's row is built when its batch is taken (logs/open.ts), so
// the lines its isolate hands over meanwhile are in it.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "./log.ts";
import type { StoredInvocation } from "./invocation.ts";
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

/** An invocation in the buffer: who it belongs to, and its row as it is when its batch is written (null: none). */
export interface Pending {
  tenant: string;
  worker: string;
  row(): StoredInvocation | null;
}

const buffer: Pending[] = [];
const drops = new Map<string, { tenant: string; worker: string; dropped: number }>();
let flushingSince: number | null = null;
// Dropped invocations are told in at most one runner line per interval, with their count.
const WARN_EVERY_MS = 10_000;
let droppedSinceWarning = 0;
let warnedAt = 0;

/** Takes an invocation for the next batch, or counts it dropped when the buffer is full. */
export function enqueue(invocation: Pending): void {
  if (buffer.length < LOG_STORE_LIMITS.MAX_BUFFERED) buffer.push(invocation);
  else countDropped([invocation]);
}

/** Takes an invocation for the next batch and, unless a flush is under way, starts one off the request's path. */
export function enqueueAndFlush(env: Env, ctx: ExecutionContext, invocation: Pending): void {
  enqueue(invocation);
  if (flushingSince === null || Date.now() - flushingSince >= LOG_STORE_LIMITS.STALE_FLUSH_MS) ctx.waitUntil(flush(env));
}

/** Writes the buffer in batches until it is empty; returns at once when another call is writing. */
export async function flush(env: Env): Promise<void> {
  const now = Date.now();
  if (flushingSince !== null && now - flushingSince < LOG_STORE_LIMITS.STALE_FLUSH_MS) return;
  flushingSince = now;
  try {
    while (buffer.length > 0) {
      if (buffer.length < LOG_STORE_LIMITS.MAX_BATCH) await scheduler.wait(LOG_STORE_LIMITS.GATHER_MS);
      flushingSince = Date.now();
      await writeBatch(env, buffer.splice(0, LOG_STORE_LIMITS.MAX_BATCH));
    }
  } finally {
    flushingSince = null;
  }
}

/**
 * One call (store_log_batch, migration 0022). A failure is counted as the batch dropped: a lock
 * waited for too long rolls it back; only a database that stalls past the call's deadline and then
 * finishes could store a batch counted as dropped.
 */
async function writeBatch(env: Env, batch: Pending[]): Promise<void> {
  const reported = [...drops.values()];
  drops.clear();
  const rows = batch.map((pending) => pending.row()).filter((row) => row !== null);
  try {
    const workers = [...new Set(rows.map((row) => `${row.tenant}/${row.worker}`))];
    await database(env).query(LOG_SQL.storeBatch, [JSON.stringify(rows), workers, JSON.stringify(reported)]);
  } catch (error) {
    for (const { tenant, worker, dropped } of reported) addDrops(tenant, worker, dropped);
    countDropped(batch, error);
  }
}

function countDropped(events: readonly Pending[], error?: unknown): void {
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
}
