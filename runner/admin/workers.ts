// Admin routes for workers: deploy, inspect, versions, rollback, rollouts, resume, delete.
import { Hono } from "hono";
import { deployWorker } from "../control/deploy.ts";
import { actingTenant } from "../control/scope.ts";
import { resumeWorker } from "../control/incidents.ts";
import { deleteVersion, deleteWorker, endRollout, getWorker, listRoutes, listVersions, listWorkers, rollback, startRollout } from "../control/versions.ts";
import type { AdminEnv } from "./auth.ts";
import { hitsOf } from "../limits/hits.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { DEPLOY_LIMITS, DeploySchema, RollbackSchema, RolloutSchema, VersionIdSchema, WorkerNameSchema } from "./schemas.ts";

export const workers = new Hono<AdminEnv>();

const nameOf = (param: string) => parse(WorkerNameSchema, param, "name");

workers.put("/workers/:name", async (c) => {
  const name = nameOf(c.req.param("name"));
  const input = parse(DeploySchema, await readJsonBody(c.req.raw, DEPLOY_LIMITS.MAX_BODY_BYTES), "body");
  const result = await deployWorker(c.env, name, actingTenant(c.var.scope, input.tenant), input);
  return c.json(result, result.changed ? 201 : 200);
});

workers.get("/workers", async (c) => c.json({ workers: await listWorkers(c.env, c.var.scope) }));

workers.get("/workers/:name", async (c) => {
  const worker = await getWorker(c.env, c.var.scope, nameOf(c.req.param("name")));
  // How often its invocations hit a per-invocation limit, by limit (runner/limits/).
  return c.json({ ...worker, limitHits: await hitsOf(c.env, worker.tenant, worker.name) });
});

workers.delete("/workers/:name", async (c) => {
  await deleteWorker(c.env, c.var.scope, nameOf(c.req.param("name")));
  return c.body(null, 204);
});

workers.get("/workers/:name/versions", async (c) => c.json({ versions: await listVersions(c.env, c.var.scope, nameOf(c.req.param("name"))) }));

workers.delete("/workers/:name/versions/:version", async (c) => {
  const version = parse(VersionIdSchema, c.req.param("version"), "version");
  return c.json(await deleteVersion(c.env, c.var.scope, nameOf(c.req.param("name")), version));
});

workers.post("/workers/:name/rollback", async (c) => {
  const { version } = parse(RollbackSchema, await readJsonBody(c.req.raw, 4096, true), "body");
  return c.json(await rollback(c.env, c.var.scope, nameOf(c.req.param("name")), version));
});

workers.post("/workers/:name/rollout", async (c) => {
  const { version, percent } = parse(RolloutSchema, await readJsonBody(c.req.raw, 4096), "body");
  return c.json(await startRollout(c.env, c.var.scope, nameOf(c.req.param("name")), version, percent));
});

workers.post("/workers/:name/rollout/promote", async (c) => c.json(await endRollout(c.env, c.var.scope, nameOf(c.req.param("name")), "promote")));

workers.post("/workers/:name/rollout/abort", async (c) => c.json(await endRollout(c.env, c.var.scope, nameOf(c.req.param("name")), "abort")));

workers.post("/workers/:name/resume", async (c) => c.json(await resumeWorker(c.env, c.var.scope, nameOf(c.req.param("name")))));

workers.get("/routes", async (c) => c.json({ routes: await listRoutes(c.env, c.var.scope) }));
