// Every statement cron triggers run. A tick is claimed by inserting its row: the primary key
// (worker, cron, scheduled_time) lets exactly one host win, however many reach for it. Times
// leave Postgres as epoch ms (float8), never as timestamptz.
import { sql } from "../db/client.ts";

export const CRON_SQL = {
  // The serving versions' crons, with when the worker was last pointed at a version (ticks from
  // before that moment belong to an earlier deploy and are never run late).
  crons: sql<{
    worker: string;
    tenant: string;
    cron: string;
    since_ms: number;
  }>(`SELECT w.name AS worker, w.tenant, c.cron, (extract(epoch FROM w.updated_at) * 1000)::float8 AS since_ms
            FROM workers w
            JOIN versions v ON v.id = w.version_id
            CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(v.bindings -> 'crons', '[]'::jsonb)) AS c(cron)
           ORDER BY w.name, c.cron`),

  claim: sql<{ claimed: number }>(`INSERT INTO cron_runs (worker, cron, scheduled_time) VALUES ($1, $2, to_timestamp($3::float8 / 1000))
          ON CONFLICT DO NOTHING RETURNING 1 AS claimed`),

  finish: `UPDATE cron_runs SET finished_at = now(), outcome = $4, attempts = $5
            WHERE worker = $1 AND cron = $2 AND scheduled_time = to_timestamp($3::float8 / 1000)`,

  /** Runs are kept a week, for `outpost` and for tests to inspect. */
  prune: "DELETE FROM cron_runs WHERE scheduled_time < now() - interval '7 days'",

  now: sql<{ now_ms: number }>("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms"),

  recent: sql<{
    worker: string;
    cron: string;
    scheduled_ms: number;
    outcome: string | null;
    attempts: number;
  }>(`SELECT worker, cron, (extract(epoch FROM scheduled_time) * 1000)::float8 AS scheduled_ms, outcome, attempts
             FROM cron_runs WHERE worker = $1 ORDER BY scheduled_time DESC LIMIT $2`),
};
