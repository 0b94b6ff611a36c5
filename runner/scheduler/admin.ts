// The scheduler heartbeat (mounted under /v1): the pool supervisor (cli/pool.js) calls it every
// second on each process's private port, which starts that process's scheduler.
import { Hono } from "hono";
import type { AdminEnv } from "../admin/auth.ts";
import { requireOperator } from "../control/scope.ts";
import { scheduler } from "./scheduler.ts";

export const heartbeat = new Hono<AdminEnv>();

/** Starts the scheduler if needed and reports this host's work. */
heartbeat.post("/maintenance/tick", async (c) => {
  requireOperator(c.var.scope);
  return c.json(await scheduler(c.env).tick());
});
