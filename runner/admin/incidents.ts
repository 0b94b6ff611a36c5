// `POST /v1/maintenance/incidents`: the supervisor reports a process it killed or saw die, with
// the invocations its journal showed in flight there (logs/journal.ts). Operator only.
// `GET /v1/incidents`: the newest incidents; a tenant token sees only those blamed on its workers.
import { Hono } from "hono";
import { z } from "zod/v4";
import { reportIncident } from "../control/incidents.ts";
import { requireOperator } from "../control/scope.ts";
import { database } from "../db/client.ts";
import type { AdminEnv } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { TenantSchema, VersionIdSchema, WorkerNameSchema } from "./schemas.ts";
import { StoredTextSchema } from "./names.ts";

/** A process runs at most a few thousand invocations at once; more is not a real report. */
const MAX_SUSPECTS = 10_000;

export const IncidentSchema = z
  .object({
    kind: z.enum(["cpu", "memory", "crash"]),
    /** The supervisor's number for the process. */
    process: z.number().int().min(0),
    suspects: z
      .array(z.object({ id: StoredTextSchema.min(1).max(64), tenant: TenantSchema, worker: WorkerNameSchema, version: VersionIdSchema }).strict())
      .max(MAX_SUSPECTS),
    /** Requests and events the kill ended. */
    inFlight: z.number().int().min(0),
    /** The same for every attempt to report one incident, so that a retried report counts once. */
    key: StoredTextSchema.min(1).max(128).optional(),
  })
  .strict();

export const incidents = new Hono<AdminEnv>();

incidents.post("/maintenance/incidents", async (c) => {
  requireOperator(c.var.scope);
  const incident = parse(IncidentSchema, await readJsonBody(c.req.raw, 4 * 1024 * 1024), "body");
  const outcome = await reportIncident(c.env, incident);
  const [first] = incident.suspects;
  // The audit entry names the tenant blamed, if any.
  c.set("audit", { target: `/v1/maintenance/incidents/${outcome.incident}`, tenant: outcome.certain && first ? first.tenant : null });
  return c.json(outcome, 201);
});

const RECENT_INCIDENTS = 100;

incidents.get("/incidents", async (c) => {
  const rows = await database(c.env).query(
    `SELECT id::text AS id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, kind, certain, tenant, worker, version, in_flight
       FROM incidents WHERE $1::text IS NULL OR (certain AND tenant = $1) ORDER BY id DESC LIMIT ${RECENT_INCIDENTS}`,
    [c.var.scope.tenant],
  );
  return c.json({ incidents: rows });
});
