// Incidents the supervisor reports (a process it killed or saw die) and the suspensions they lead
// to: K certain incidents of one worker within the window (RunnerConfig.suspendAfter,
// suspendWindowSeconds) suspend it on every host at once, through the routes channel. A resume or
// a deploy of another version lifts the suspension and restarts the count.
import { database, sql } from "../db/client.ts";
import type { Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { ROUTES_CHANNEL, forgetRoutes } from "../dispatch/routes.ts";
import { suspendedMessage } from "../dispatch/suspended.ts";
import { log } from "../logs/log.ts";
import { storeKilledInvocations } from "../logs/store.ts";
import { type IncidentKind, type Suspect, blame, suspensionReason } from "./blame.ts";
import type { Scope } from "./scope.ts";
import { type WorkerRow, getWorker } from "./versions.ts";

export interface Incident {
  kind: IncidentKind;
  process: number;
  suspects: Suspect[];
  inFlight: number;
  key?: string | undefined;
}

export interface IncidentOutcome {
  incident: string;
  certain: boolean;
  /** Workers this incident suspended (none when it was uncertain, or the worker already was). */
  suspended: string[];
}

/** `suspects @> SUSPECT`: the incident had one of the worker's invocations in flight. */
const SUSPECT = "jsonb_build_array(jsonb_build_object('tenant', $1::text, 'worker', $2::text))";
/** A certain incident of `tenant`/`worker` inside the window ($3 seconds). */
const PROVEN = (tenant: string, worker: string) =>
  `EXISTS (SELECT 1 FROM incidents c WHERE c.certain AND c.tenant = ${tenant} AND c.worker = ${worker} AND c.at > now() - make_interval(secs => $3))`;

/**
 * Incidents held against the worker inside the window and since its last lift, and whether it is
 * suspended now. Its certain incidents count; so does an uncertain one it was a suspect of when it
 * is *confirmed*: the worker has a certain incident of its own in the window (it stalled or
 * crashed a process alone, typically on probation) and no other suspect of that incident has one.
 * Were two of the suspects proven, the incident would count against neither.
 */
const STATE_SQL = sql<{ count: number; active: boolean }>(`SELECT
    (SELECT count(*)::int FROM incidents i
      WHERE i.at > now() - make_interval(secs => $3)
        AND i.at > coalesce((SELECT lifted_at FROM suspensions WHERE tenant = $1 AND worker = $2), '-infinity')
        AND ((i.certain AND i.tenant = $1 AND i.worker = $2)
          OR (NOT i.certain AND i.suspects @> ${SUSPECT} AND ${PROVEN("$1", "$2")}
              AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(i.suspects) s
                               WHERE NOT (s->>'tenant' = $1 AND s->>'worker' = $2) AND ${PROVEN("s->>'tenant'", "s->>'worker'")})))) AS count,
    EXISTS (SELECT 1 FROM suspensions WHERE tenant = $1 AND worker = $2 AND lifted_at IS NULL) AS active`);

/** Puts a worker on probation for the window (or extends it). */
const PROBATION_SQL = `INSERT INTO probations (tenant, worker, until) VALUES ($1, $2, now() + make_interval(secs => $3))
  ON CONFLICT (tenant, worker) DO UPDATE SET until = excluded.until`;

/**
 * Ends probation for the suspended worker and for every worker that shared an uncertain incident
 * with it in the window (the culprit is found: they were bystanders), telling every host.
 */
const RELEASE_SQL = sql<{ worker: string }>(`WITH released AS (
    DELETE FROM probations p
     WHERE (p.tenant = $1 AND p.worker = $2)
        OR EXISTS (SELECT 1 FROM incidents i
                    WHERE NOT i.certain AND i.at > now() - make_interval(secs => $3)
                      AND i.suspects @> ${SUSPECT}
                      AND i.suspects @> jsonb_build_array(jsonb_build_object('tenant', p.tenant, 'worker', p.worker)))
    RETURNING p.worker)
  SELECT worker, pg_notify($4, worker) FROM released`);

/** Suspends the worker, or, while it is, adds the blamed version to those it may not deploy again. */
const SUSPEND_SQL = `INSERT INTO suspensions (tenant, worker, versions, kind, reason, incidents, at) VALUES ($1, $2, ARRAY[$3]::text[], $4, $5, $6, now())
  ON CONFLICT (tenant, worker) DO UPDATE
    SET versions = CASE WHEN suspensions.lifted_at IS NULL
                        THEN (SELECT array_agg(DISTINCT v) FROM unnest(suspensions.versions || excluded.versions) AS v)
                        ELSE excluded.versions END,
        kind = excluded.kind, reason = excluded.reason, incidents = excluded.incidents, at = excluded.at, lifted_at = NULL`;

export async function reportIncident(env: Env, incident: Incident): Promise<IncidentOutcome> {
  const db = database(env);
  const verdict = blame(incident.suspects);
  const who = verdict.certain ? [verdict.tenant, verdict.worker, verdict.version] : [null, null, null];
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO incidents (kind, process, certain, tenant, worker, version, in_flight, suspects, report_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9) ON CONFLICT (report_key) DO NOTHING RETURNING id::text AS id`,
    [incident.kind, incident.process, verdict.certain, ...who, incident.inFlight, JSON.stringify(incident.suspects), incident.key ?? null],
  );
  if (!row) {
    // A report sent again (its first answer was lost): judged already.
    const [known] = await db.query<{ id: string; certain: boolean }>("SELECT id::text AS id, certain FROM incidents WHERE report_key = $1", [
      incident.key ?? null,
    ]);
    return { incident: known?.id as string, certain: known?.certain === true, suspended: [] };
  }
  const { id } = row;
  await storeKilledInvocations(env, incident.kind, incident.suspects);
  const fields = { incident: id, kind: incident.kind, process: incident.process, inFlight: incident.inFlight };
  if (!verdict.certain) {
    const workers = [...new Set(incident.suspects.map((s) => `${s.tenant}/${s.worker}@${s.version.slice(0, 12)}`))];
    const probation = env.CONFIG.probationPort !== null && incident.suspects.length > 0;
    if (probation) await startProbation(env, incident.suspects);
    log.warn(`incident: blame is not certain; ${probation ? "the suspects are on probation" : "counted against nobody"}`, {
      ...fields,
      certain: false,
      suspects: workers,
      action: probation ? "probation" : "unattributed",
    });
    // A suspect proven by an earlier incident of its own is confirmed for this one too.
    const suspended: string[] = [];
    for (const suspect of distinctWorkers(incident.suspects)) {
      if ((await judge(env, suspect, incident.kind, fields)) === "suspended") suspended.push(suspect.worker);
    }
    return { incident: id, certain: false, suspended };
  }
  const action = await judge(env, verdict, incident.kind, { ...fields, certain: true });
  return { incident: id, certain: true, suspended: action === "suspended" ? [verdict.worker] : [] };
}

/**
 * Counts the incidents held against one worker (STATE_SQL) and suspends it when they reach the
 * limit. Returns what was done; "none" when nothing is held against it (an unproven suspect).
 */
async function judge(env: Env, blamed: Omit<Suspect, "id">, kind: IncidentKind, fields: Record<string, unknown>) {
  const { tenant, worker, version } = blamed;
  const db = database(env);
  const [state] = await db.query(STATE_SQL, [tenant, worker, env.CONFIG.suspendWindowSeconds]);
  // One row always: a SELECT of two subqueries.
  const { count, active: wasSuspended } = state!;
  if (count === 0) return "none";
  const suspended = !wasSuspended && count >= env.CONFIG.suspendAfter;
  if (suspended || wasSuspended) {
    const reason = suspensionReason(kind, count, env.CONFIG.suspendWindowSeconds);
    const [, , released = []] = await db.transaction([
      { text: SUSPEND_SQL, params: [tenant, worker, version, kind, reason, count] },
      { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, worker] },
      { text: RELEASE_SQL, params: [tenant, worker, env.CONFIG.suspendWindowSeconds, ROUTES_CHANNEL] },
    ]);
    forgetRoutes();
    const bystanders = released.map((row) => row.worker).filter((name) => name !== worker);
    if (bystanders.length > 0) log.info("probation ended: the worker to blame is suspended", { workers: bystanders, blamed: worker });
  }
  const action = suspended ? "suspended" : "counted";
  const done = suspended ? "suspended" : wasSuspended ? "counted (it is suspended already)" : `counted (${count} of ${env.CONFIG.suspendAfter})`;
  log.warn(`incident: worker ${worker} ${done}`, { ...fields, tenant, worker, version, action });
  return action;
}

/** One suspect per worker (the first version seen of it). */
function distinctWorkers(suspects: readonly Suspect[]): Suspect[] {
  return [...new Map(suspects.map((s) => [`${s.tenant}/${s.worker}`, s])).values()];
}

/** Every suspect worker's public requests go to the probation process for the window. */
async function startProbation(env: Env, suspects: readonly Suspect[]): Promise<void> {
  const statements: Statement[] = distinctWorkers(suspects).flatMap(({ tenant, worker }) => [
    { text: PROBATION_SQL, params: [tenant, worker, env.CONFIG.suspendWindowSeconds] },
    { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, worker] },
  ]);
  await database(env).transaction(statements);
  forgetRoutes();
}

/** `POST /v1/workers/:name/resume`: a tenant resumes its own workers, an operator any. */
export async function resumeWorker(env: Env, scope: Scope, name: string): Promise<WorkerRow> {
  const worker = await getWorker(env, scope, name);
  const [lifted] = await database(env).transaction([
    {
      text: "UPDATE suspensions SET lifted_at = now() WHERE tenant = $1 AND worker = $2 AND lifted_at IS NULL RETURNING worker",
      params: [worker.tenant, name],
    },
    { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, name] },
  ]);
  if (!lifted || lifted.length === 0) throw new PlatformError("ERR_CONFLICT", 409, `Worker ${name} is not suspended.`);
  forgetRoutes(name);
  log.info(`worker ${name} resumed`, { tenant: worker.tenant, worker: name, by: "resume" });
  return getWorker(env, scope, name);
}

/**
 * Refuses to deploy the very version a worker was suspended for, before its code is loaded;
 * true when the worker is suspended and this deploy (of another version) will lift it.
 */
export async function deployLiftsSuspension(env: Env, tenant: string, worker: string, version: string): Promise<boolean> {
  const [row] = await database(env).query<{ blamed: boolean; reason: string; at_ms: number }>(
    "SELECT $3 = ANY(versions) AS blamed, reason, (extract(epoch FROM at) * 1000)::float8 AS at_ms FROM suspensions WHERE tenant = $1 AND worker = $2 AND lifted_at IS NULL",
    [tenant, worker, version],
  );
  if (!row) return false;
  if (row.blamed) {
    const message = suspendedMessage(worker, { reason: row.reason, at: new Date(row.at_ms).toISOString() });
    throw new PlatformError("ERR_CONFLICT", 409, `${message} This deploy is a version it was suspended for; change it first.`);
  }
  return true;
}

/** In a deploy's transaction: a version it was not suspended for lifts the suspension. */
export function liftSuspension(tenant: string, worker: string, version: string): Statement {
  return {
    text: "UPDATE suspensions SET lifted_at = now() WHERE tenant = $1 AND worker = $2 AND lifted_at IS NULL AND NOT $3 = ANY(versions)",
    params: [tenant, worker, version],
  };
}
