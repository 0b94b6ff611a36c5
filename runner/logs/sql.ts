// Every statement of the log store (table log_events, migrations 0017, 0018 and 0022). Rows are written and read by
// tenant and worker together: the tenant comes from the Tail's props (writes) or from the worker
// row the caller may see (reads), never from a request's parameters.
import { sql } from "../db/client.ts";

/** A stored invocation as the API returns it (times in ISO 8601 text, ids as decimal text). */
export interface LogEventRow {
  id: string;
  at: string;
  version: string;
  trigger: string;
  outcome: string;
  method: string | null;
  path: string | null;
  status: number | null;
  duration_ms: number | null;
  cpu_ms: number | null;
  request_id: string | null;
  headers: Record<string, string> | null;
  cron: string | null;
  queue: string | null;
  logs: { at: string; level: string; message: string }[];
  exceptions: { at: string; name: string; message: string; stack: string }[];
  dropped: number;
  client_ip: string | null;
}

const COLUMNS = `id::text AS id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, version, trigger, outcome,
  method, path, status, duration_ms, cpu_ms, request_id, headers, cron, queue, logs, exceptions, dropped, client_ip`;

/**
 * The filters of GET /v1/workers/:name/logs and /tail, $1 tenant, $2 worker, then: $3 since, $4
 * until (epoch ms), $5 lowest level rank, $6 status, $7 outcome ("error": any but ok), $8 search
 * (a LIKE pattern, escaped by the caller), $9 method, $10 a request header's name (lower case) and
 * $11 its value (null: any), $12 the client's address.
 */
const MATCHES = `tenant = $1 AND worker = $2
  AND ($3::float8 IS NULL OR at >= to_timestamp($3::float8 / 1000))
  AND ($4::float8 IS NULL OR at < to_timestamp($4::float8 / 1000))
  AND ($5::int IS NULL OR level_rank >= $5)
  AND ($6::int IS NULL OR status = $6)
  AND ($7::text IS NULL OR CASE WHEN $7 = 'error' THEN outcome <> 'ok' ELSE outcome = $7 END)
  AND ($8::text IS NULL OR (coalesce(path, '') || ' ' || logs::text || ' ' || exceptions::text) ILIKE $8)
  AND ($9::text IS NULL OR method = $9)
  AND ($10::text IS NULL OR (headers::jsonb ? $10 AND ($11::text IS NULL OR headers->>$10 = $11)))
  AND ($12::text IS NULL OR client_ip = $12)`;

/**
 * Retention by count is applied every minute (expire_logs, migration 0022): until then a worker
 * may hold more, and reads see only its newest $n (the configured count).
 */
const KEPT = (n: number) => `id > coalesce((SELECT id FROM log_events WHERE tenant = $1 AND worker = $2 ORDER BY id DESC OFFSET $${n} LIMIT 1), 0)`;

export const LOG_SQL = {
  // The batch writer (migration 0022; 0017 says how it keeps order, 0020 how a batch in doubt is
  // settled): $1 the batch, JSON of StoredInvocation[] (logs/invocation.ts); $2 its
  // "tenant/worker" keys; $3 drops, JSON of {tenant, worker, dropped}[]; $4 the writer, $5 this
  // call's number, $6 the call in doubt (JSON of {seq, drops}) or null. Answers whether the call
  // in doubt was counted as dropped (null: there was none).
  storeBatch: sql<{ doubt_dropped: boolean | null }>(
    "SELECT store_log_batch($1::text::json, $2::text[], $3::text::jsonb, $4, $5, $6::text::jsonb) AS doubt_dropped",
  ),

  // A writer that wrote nothing for a week is taken for gone (a process that restarted writes as
  // another): a batch it still had in doubt would be counted as dropped even had it committed.
  forgetWriters: "DELETE FROM log_writers WHERE written_at < now() - interval '7 days'",

  // Taken before rows are written outside store_log_batch: $1 "tenant/worker" keys (see the migration).
  lockWorkers: "SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k ORDER BY k",

  /**
   * Newest first by the time the invocation started (processes store theirs in batches, so ids
   * are in storing order); $13, $14 the cursor: the time (epoch ms) and id of the last one of the
   * previous page; $15 the page size.
   */
  page: sql<LogEventRow>(`SELECT ${COLUMNS} FROM log_events WHERE ${MATCHES} AND ${KEPT(16)}
      AND ($13::float8 IS NULL OR (at, id) < (to_timestamp($13::float8 / 1000), $14::bigint))
    ORDER BY log_events.at DESC, log_events.id DESC LIMIT $15`),

  /** Oldest first, for the tail: $13 the last id sent, $14 the most per poll. */
  after: sql<LogEventRow>(`SELECT ${COLUMNS} FROM log_events WHERE ${MATCHES} AND ${KEPT(15)} AND id > $13 ORDER BY log_events.id LIMIT $14`),

  /** A deleted worker's stored invocations and drop count (a worker of that name starts clean). */
  forgetWorker: (tenant: string, worker: string) => [
    { text: "DELETE FROM log_events WHERE tenant = $1 AND worker = $2", params: [tenant, worker] },
    { text: "DELETE FROM log_drops WHERE tenant = $1 AND worker = $2", params: [tenant, worker] },
  ],

  /** Retention (migration 0022), every minute: $1 invocations kept per worker, $2 seconds kept. */
  expire: "SELECT expire_logs($1, $2)",

  /** Where a new tail starts: the newest id of the worker's events (0 when none). */
  newest: sql<{ id: string }>("SELECT coalesce(max(id), 0)::text AS id FROM log_events WHERE tenant = $1 AND worker = $2"),

  drops: sql<{ dropped: string }>("SELECT dropped::text AS dropped FROM log_drops WHERE tenant = $1 AND worker = $2"),

  /**
   * The invocations a killed process never reported, one per suspect of an incident whose version
   * has observability on: $1 the suspects (JSON: tenant, worker, version), $2 the outcome.
   */
  incident: `INSERT INTO log_events (tenant, worker, version, at, trigger, outcome, level_rank, logs, exceptions)
             SELECT s.tenant, s.worker, s.version, now(), 'other', $2, 0, '[]'::json, '[]'::json
               FROM (SELECT DISTINCT * FROM jsonb_to_recordset($1::text::jsonb) AS s(tenant text, worker text, version text)) AS s
               JOIN versions v ON v.id = s.version AND v.observability`,
} as const;
