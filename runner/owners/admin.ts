// The supervisor's calls about leases (mounted under /v1, on each process's private port): the
// tick that renews and adopts (every second, cli/pool.js), and the release before a graceful stop.
import { Hono } from "hono";
import type { AdminEnv } from "../admin/auth.ts";
import { requireOperator } from "../control/scope.ts";
import { keepLeases, releaseAll } from "./keeper.ts";

export const owners = new Hono<AdminEnv>();

/** How long a release waits for the calls running on this process's objects. */
const RELEASE_WAIT_MS = 5000;

owners.post("/maintenance/owners", async (c) => {
  requireOperator(c.var.scope);
  return c.json(await keepLeases(c.env));
});

owners.post("/maintenance/owners/release", async (c) => {
  requireOperator(c.var.scope);
  return c.json({ released: await releaseAll(c.env, RELEASE_WAIT_MS) });
});
