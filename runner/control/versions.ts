// The package store's read and re-point operations: list versions, roll back or forward,
// gradual rollouts, delete a version or a worker. Every change notifies the other hosts.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { ROUTES_CHANNEL, forgetRoutes } from "../dispatch/routes.ts";
import { holdName } from "./names.ts";
import { type Scope, workerNotFound } from "./scope.ts";
import { LOG_SQL } from "../logs/sql.ts";

export interface WorkerRow {
  name: string;
  tenant: string;
  version: string;
  rollout: { version: string; percent: number } | null;
  routes: string[];
  updated_at: string;
  /** Set while the worker is suspended (control/incidents.ts); `at` is the last incident's time. */
  suspended: { reason: string; at: string; incidents: number } | null;
  /** Set while its public requests run apart, one at a time (dispatch/probation.ts): until when. */
  probation: { until: string } | null;
}

/** A worker's rollout columns: both set or both null (constraint rollout_complete, migration 0002). */
export type RolloutColumns = { rollout_version_id: string; rollout_percent: number } | { rollout_version_id: null; rollout_percent: null };

/** A worker as WORKER_COLUMNS reads it; `suspended` and `probation` are json the query builds. */
type WorkerColumns = RolloutColumns & {
  name: string;
  tenant: string;
  version_id: string;
  updated_at: string;
  routes: string[];
  suspended: WorkerRow["suspended"];
  probation: WorkerRow["probation"];
};

const WORKER_COLUMNS = `w.name, w.tenant, w.version_id, w.rollout_version_id, w.rollout_percent, w.updated_at::text AS updated_at,
  coalesce((SELECT array_agg(pattern ORDER BY pattern) FROM routes r WHERE r.worker = w.name), '{}') AS routes,
  (SELECT json_build_object('reason', s.reason, 'at', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'incidents', s.incidents)
     FROM suspensions s WHERE s.tenant = w.tenant AND s.worker = w.name AND s.lifted_at IS NULL) AS suspended,
  (SELECT json_build_object('until', to_char(p.until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
     FROM probations p WHERE p.tenant = w.tenant AND p.worker = w.name AND p.until > now()) AS probation`;

/** Workers visible to the scope, ordered by name. */
export async function listWorkers(env: Env, scope: Scope): Promise<WorkerRow[]> {
  const rows = await database(env).query<WorkerColumns>(`SELECT ${WORKER_COLUMNS} FROM workers w WHERE $1::text IS NULL OR w.tenant = $1 ORDER BY w.name`, [
    scope.tenant,
  ]);
  return rows.map(workerRow);
}

export async function getWorker(env: Env, scope: Scope, name: string): Promise<WorkerRow> {
  const [row] = await database(env).query<WorkerColumns>(`SELECT ${WORKER_COLUMNS} FROM workers w WHERE w.name = $1`, [name]);
  if (!row || !visible(scope, row)) throw workerNotFound(name);
  return workerRow(row);
}

/** Ascending deploy time, ties broken by (worker, content hash): the order a restart reloads them in. */
export async function listVersions(env: Env, scope: Scope, name: string) {
  const worker = await getWorker(env, scope, name);
  const rows = await database(env).query<{ id: string; created_at: string; message: string | null; size_bytes: number; compatibility_date: string }>(
    `SELECT id, created_at::text AS created_at, message, size_bytes, compatibility_date FROM versions
      WHERE worker = $1 AND tenant = $2 ORDER BY created_at, worker, id`,
    [name, worker.tenant],
  );
  return rows.map((row) => ({
    ...row,
    serving: row.id === worker.version,
    rolloutPercent: worker.rollout && worker.rollout.version === row.id ? worker.rollout.percent : null,
  }));
}

/**
 * Points the worker at one of its stored versions (default: the one deployed before the
 * current one) and ends any rollout.
 */
export async function rollback(env: Env, scope: Scope, name: string, version: string | undefined): Promise<WorkerRow> {
  const worker = await getWorker(env, scope, name);
  const target = version ?? (await previousVersion(env, worker));
  await change(
    env,
    name,
    worker.tenant,
    target,
    "UPDATE workers SET version_id = $2, rollout_version_id = NULL, rollout_percent = NULL, updated_at = now() WHERE name = $1",
  );
  return getWorker(env, scope, name);
}

/** Sends `percent` of the worker's traffic to another stored version. */
export async function startRollout(env: Env, scope: Scope, name: string, version: string, percent: number): Promise<WorkerRow> {
  const worker = await getWorker(env, scope, name);
  if (version === worker.version) throw new PlatformError("ERR_CONFLICT", 409, `Version ${version} is already serving all of ${name}'s traffic.`);
  await change(env, name, worker.tenant, version, "UPDATE workers SET rollout_version_id = $2, rollout_percent = $3, updated_at = now() WHERE name = $1", [
    percent,
  ]);
  return getWorker(env, scope, name);
}

/** Ends a rollout: `promote` makes its version serve everything, `abort` drops it. */
export async function endRollout(env: Env, scope: Scope, name: string, outcome: "promote" | "abort"): Promise<WorkerRow> {
  const worker = await getWorker(env, scope, name);
  if (!worker.rollout) throw new PlatformError("ERR_CONFLICT", 409, `Worker ${name} has no rollout in progress.`);
  const set = outcome === "promote" ? "version_id = rollout_version_id, " : "";
  await database(env).transaction([
    {
      text: `UPDATE workers SET ${set}rollout_version_id = NULL, rollout_percent = NULL, updated_at = now() WHERE name = $1 RETURNING name`,
      params: [name],
      requireRow: "ERR_NOT_FOUND",
    },
    { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, name] },
  ]);
  forgetRoutes(name);
  return getWorker(env, scope, name);
}

/** Deleting a version that does not exist is a no-op; the serving or rolling-out one is refused. */
export async function deleteVersion(env: Env, scope: Scope, name: string, version: string): Promise<{ deleted: boolean }> {
  const worker = await getWorker(env, scope, name);
  if (version === worker.version || version === worker.rollout?.version) {
    throw new PlatformError("ERR_CONFLICT", 409, `Version ${version} is serving traffic of ${name}; roll back or end the rollout first.`);
  }
  const rows = await database(env).query(
    `DELETE FROM versions v WHERE id = $1 AND worker = $2 AND tenant = $3
       AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.version_id = v.id OR w.rollout_version_id = v.id) RETURNING id`,
    [version, name, worker.tenant],
  );
  return { deleted: rows.length > 0 };
}

/**
 * Deletes the worker, its routes, versions, secrets and cron run history. Its KV namespaces stay:
 * they are the tenant's data. The name stays with the tenant for the grace period (names.ts).
 */
export async function deleteWorker(env: Env, scope: Scope, name: string): Promise<void> {
  const worker = await getWorker(env, scope, name);
  await database(env).transaction([
    { text: "DELETE FROM workers WHERE name = $1 AND tenant = $2", params: [name, worker.tenant] },
    { text: "DELETE FROM versions WHERE worker = $1 AND tenant = $2", params: [name, worker.tenant] },
    { text: "DELETE FROM secrets WHERE tenant = $2 AND scope = 'worker:' || $1", params: [name, worker.tenant] },
    // Run history is keyed by worker name: a later worker of that name (any tenant's) starts clean.
    { text: "DELETE FROM cron_runs WHERE worker = $1", params: [name] },
    ...LOG_SQL.forgetWorker(worker.tenant, name),
    holdName(name, worker.tenant),
    { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, name] },
  ]);
  forgetRoutes(name);
}

/** Routes ordered by worker name, then pattern. */
export async function listRoutes(env: Env, scope: Scope) {
  return database(env).query<{ pattern: string; worker: string }>(
    `SELECT r.pattern, r.worker FROM routes r JOIN workers w ON w.name = r.worker
      WHERE $1::text IS NULL OR w.tenant = $1 ORDER BY r.worker, r.pattern`,
    [scope.tenant],
  );
}

async function previousVersion(env: Env, worker: WorkerRow): Promise<string> {
  const [row] = await database(env).query<{ id: string }>(
    `SELECT v.id FROM versions v, versions cur
      WHERE cur.id = $2 AND v.worker = $1 AND v.tenant = cur.tenant AND (v.created_at, v.id) < (cur.created_at, cur.id)
      ORDER BY v.created_at DESC, v.id DESC LIMIT 1`,
    [worker.name, worker.version],
  );
  if (!row) throw new PlatformError("ERR_CONFLICT", 409, `Worker ${worker.name} has no version older than the serving one to roll back to.`);
  return row.id;
}

/** Re-points the worker (`update` takes $1 name, $2 version, then `extra`) if the version is its own. */
async function change(env: Env, name: string, tenant: string, version: string, update: string, extra: (string | number)[] = []): Promise<void> {
  await database(env)
    .transaction([
      {
        text: "SELECT 1 AS found FROM versions WHERE id = $1 AND worker = $2 AND tenant = $3",
        params: [version, name, tenant],
        requireRow: "ERR_UNKNOWN_VERSION",
      },
      { text: update, params: [name, version, ...extra] },
      { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, name] },
    ])
    .catch((error: unknown) => {
      if (error instanceof Error && error.message === "ERR_UNKNOWN_VERSION") {
        throw new PlatformError("ERR_NOT_FOUND", 404, `Worker ${name} has no version ${version}.`);
      }
      throw error;
    });
  forgetRoutes(name);
}

function visible(scope: Scope, row: { tenant: string }): boolean {
  return scope.tenant === null || row.tenant === scope.tenant;
}

function workerRow(row: WorkerColumns): WorkerRow {
  return {
    name: row.name,
    tenant: row.tenant,
    version: row.version_id,
    rollout: row.rollout_version_id ? { version: row.rollout_version_id, percent: row.rollout_percent } : null,
    routes: row.routes,
    updated_at: row.updated_at,
    suspended: row.suspended,
    probation: row.probation,
  };
}
