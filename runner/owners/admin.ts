// The supervisor's calls about leases (mounted under /v1, on each process's private port): the
// tick that renews, adopts, ships changed objects' logs and copies them (every second, cli/pool.js), and the release
// before a graceful stop.
import { Hono } from "hono";
import type { AdminEnv } from "../admin/auth.ts";
import { requireOperator } from "../control/scope.ts";
import { keepLeases, releaseAll } from "./keeper.ts";
import { copyChangedObjects } from "./snapshots.ts";
import { shipChangedLogs } from "./logs.ts";

export const owners = new Hono<AdminEnv>();

/** How long a release waits for the calls running on this process's objects. */
const RELEASE_WAIT_MS = 5000;

owners.post("/maintenance/owners", async (c) => {
  requireOperator(c.var.scope);
  const kept = await keepLeases(c.env);
  // After the answer: shipping a log or taking a copy may take longer than a beat, and the next
  // beat's renewals must not wait for it. The logs first: they are the nearer recovery point.
  c.executionCtx.waitUntil(shipChangedLogs(c.env).then(() => copyChangedObjects(c.env)));
  return c.json(kept);
});

owners.post("/maintenance/owners/release", async (c) => {
  requireOperator(c.var.scope);
  return c.json({ released: await releaseAll(c.env, RELEASE_WAIT_MS) });
});
