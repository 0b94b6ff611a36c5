// Reading the log store: a page of a worker's stored invocations (newest first) and, for the live
// tail, those stored after a given one. The caller has resolved the worker for its token, so the
// tenant here is the worker's own (control/versions.ts getWorker).
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { LEVEL_RANKS, type StoredLevel } from "./invocation.ts";
import { type LogEventRow, LOG_SQL } from "./sql.ts";

export interface LogFilters {
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  /** Invocations with a line (or exception) at this level or above. */
  level?: StoredLevel | undefined;
  status?: number | undefined;
  /** An outcome (`ok`, `exception`, `exceededCpu`…), or `error`: any outcome but ok. */
  outcome?: string | undefined;
  /** Text in the path, a line or an exception, case-insensitive. */
  search?: string | undefined;
  method?: string | undefined;
  /** Fetches whose request had this header (its name in lower case), with this value when one is given. */
  header?: { name: string; value: string | null } | undefined;
  /** Fetches from this client address (the CF-Connecting-IP the runner set). */
  ip?: string | undefined;
}

export interface WorkerOfLogs {
  tenant: string;
  name: string;
}

export type LogEvent = ReturnType<typeof logEvent>;

/** A page of stored invocations, newest first, and the cursor of the next (null on the last). */
export async function readLogs(env: Env, worker: WorkerOfLogs, filters: LogFilters, page: { cursor?: string | undefined; limit: number }) {
  const db = database(env);
  const [rows, [drops]] = await Promise.all([
    db.query(LOG_SQL.page, [...filterParams(worker, filters), ...cursorParams(page.cursor), page.limit, env.CONFIG.logRetentionEvents]),
    db.query(LOG_SQL.drops, [worker.tenant, worker.name]),
  ]);
  const events = rows.map((row) => logEvent(worker, row));
  const last = events.at(-1);
  const cursor = events.length === page.limit && last ? `${Date.parse(last.at)}_${last.id}` : null;
  return { events, cursor, dropped: Number(drops?.dropped ?? 0) };
}

/** A page's cursor, `<epoch ms>_<id>` of its last invocation (the API checked its form). */
function cursorParams(cursor: string | undefined): [number | null, string | null] {
  if (cursor === undefined) return [null, null];
  const [ms = "", id = ""] = cursor.split("_");
  return [Number(ms), id];
}

/** Invocations stored after `afterId`, oldest first. */
export async function readAfter(env: Env, worker: WorkerOfLogs, filters: LogFilters, afterId: string, limit: number): Promise<LogEvent[]> {
  const rows = await database(env).query(LOG_SQL.after, [...filterParams(worker, filters), afterId, limit, env.CONFIG.logRetentionEvents]);
  return rows.map((row) => logEvent(worker, row));
}

/** The id a tail starts after: the worker's newest stored invocation. */
export async function newestId(env: Env, worker: WorkerOfLogs): Promise<string> {
  const [row] = await database(env).query(LOG_SQL.newest, [worker.tenant, worker.name]);
  return row?.id ?? "0";
}

function filterParams(worker: WorkerOfLogs, filters: LogFilters) {
  return [
    worker.tenant,
    worker.name,
    filters.since ?? null,
    filters.until ?? null,
    filters.level === undefined ? null : LEVEL_RANKS[filters.level],
    filters.status ?? null,
    filters.outcome ?? null,
    filters.search === undefined ? null : `%${filters.search.replace(/[\\%_]/g, "\\$&")}%`,
    filters.method ?? null,
    filters.header?.name ?? null,
    filters.header?.value ?? null,
    filters.ip ?? null,
  ];
}

function logEvent(worker: WorkerOfLogs, row: LogEventRow) {
  return {
    id: row.id,
    at: row.at,
    worker: worker.name,
    version: row.version,
    trigger: row.trigger,
    outcome: row.outcome,
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: row.duration_ms,
    cpuMs: row.cpu_ms,
    requestId: row.request_id,
    clientIp: row.client_ip,
    headers: row.headers,
    cron: row.cron,
    queue: row.queue,
    logs: row.logs,
    exceptions: row.exceptions,
    dropped: row.dropped,
  };
}
