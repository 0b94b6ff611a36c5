// Admin routes for crons (mounted under /v1): running a worker's scheduled() handler now and
// listing its cron runs. A tenant token sees its own tenant's workers only.
import { type Context, Hono } from "hono";
import type { AdminEnv } from "../admin/auth.ts";
import { readJsonBody } from "../admin/body.ts";
import { parse } from "../admin/parse.ts";
import { WorkerNameSchema } from "../admin/schemas.ts";
import { workerNotFound } from "../control/scope.ts";
import { database } from "../db/client.ts";
import { runTick } from "./run.ts";
import { CronRunsLimitSchema, ScheduledSchema } from "./schemas.ts";
import { CRON_SQL } from "./sql.ts";

export const crons = new Hono<AdminEnv>();

/** The worker's name from the path, if the caller may act on it. */
async function visibleWorker(c: Context<AdminEnv>): Promise<string> {
  const name = parse(WorkerNameSchema, c.req.param("name"), "name");
  const [worker] = await database(c.env).query<{ tenant: string }>("SELECT tenant FROM workers WHERE name = $1", [name]);
  if (!worker || (c.var.scope.tenant !== null && worker.tenant !== c.var.scope.tenant)) throw workerNotFound(name);
  return name;
}

/** Runs the worker's scheduled() handler now, as the tick `scheduledTime` (claimed like any tick). */
crons.post("/workers/:name/scheduled", async (c) => {
  const name = await visibleWorker(c);
  const input = parse(ScheduledSchema, await readJsonBody(c.req.raw, 4096, true), "body");
  const tick = { worker: name, cron: input.cron ?? "", scheduledTime: input.scheduledTime ?? Date.now() };
  return c.json({ ...tick, ...(await runTick(c.env, c.executionCtx as ExecutionContext, tick)) });
});

/** The worker's recent cron runs (kept a week), newest first; a run under way has no outcome yet. */
crons.get("/workers/:name/scheduled", async (c) => {
  const name = await visibleWorker(c);
  const limit = parse(CronRunsLimitSchema, c.req.query("limit"), "limit");
  const rows = await database(c.env).query(CRON_SQL.recent, [name, limit]);
  const runs = rows.map((row) => ({ cron: row.cron, scheduledTime: Number(row.scheduled_ms), outcome: row.outcome ?? null, attempts: Number(row.attempts) }));
  return c.json({ runs });
});
