import { expireHistory } from "../owners/logs.ts";
import { forgetHistoryOverQuota } from "../d1/history-quota.ts";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { PlatformError } from "../errors.ts";
import { requireOperator } from "../control/scope.ts";
import { sweepExpired } from "../kv/sweep.ts";
import { collectBlobs } from "../blobs/sweep.ts";
import { abortStaleUploads } from "../r2/sweep.ts";
import { warmWorker } from "../dispatch/warm.ts";
import { type AdminEnv, authenticate } from "./auth.ts";
import { audit, auditTrail } from "./audit.ts";
import { openApiDocument } from "./openapi.ts";
import { ready } from "./ready.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { assets } from "./assets.ts";
import { dashboard, sessions } from "./dashboard.ts";
import { domains } from "./domains.ts";
import { incidents } from "./incidents.ts";
import { logs } from "./logs.ts";
import { expireLogs } from "../logs/store.ts";
import { quotas } from "./quotas.ts";
import { secrets } from "./secrets.ts";
import { tokens } from "./tokens.ts";
import { workers } from "./workers.ts";
import { queues } from "../queue/admin.ts";
import { kv } from "../kv/admin.ts";
import { r2 } from "../r2/admin.ts";
import { d1 } from "../d1/admin.ts";
import { crons } from "../cron/admin.ts";
import { heartbeat } from "../scheduler/admin.ts";
import { owners } from "../owners/admin.ts";
import { errorText, log } from "../logs/log.ts";
import { quotaError } from "../quota/resources.ts";
import { hostMetrics, processMetrics } from "../metrics/admin.ts";

/** The admin API (admin socket only). Errors: `{ "error": { "code": "ERR_…", "message": "…" } }`. */
export const admin = new Hono<AdminEnv>();

admin.get("/healthz", (c) => c.json({ ok: true }));
admin.get("/readyz", ready);
admin.route("/", dashboard);

let openApi: unknown;
admin.get("/openapi.json", (c) => c.json((openApi ??= openApiDocument())));

admin.use("/v1/*", authenticate());
admin.use("/metrics", authenticate());
admin.route("/", hostMetrics);
admin.use("/v1/*", auditTrail());
admin.route("/v1", sessions);
// A change to a worker (deploy, rollback, rollout, secret) returns once this host has loaded the
// versions that now serve: the first request after it finds a warm isolate (dispatch/warm.ts).
const warmAfterChange = createMiddleware<AdminEnv>(async (c, next) => {
  await next();
  const name = c.req.param("name");
  if (c.req.method !== "GET" && c.res.ok && name) await warmWorker(c.env, c.executionCtx, name);
});
admin.use("/v1/workers/:name", warmAfterChange);
admin.use("/v1/workers/:name/*", warmAfterChange);
admin.route("/v1", workers);
admin.route("/v1", tokens);
admin.route("/v1", secrets);
admin.route("/v1", queues);
admin.route("/v1", kv);
admin.route("/v1", r2);
admin.route("/v1", d1);
admin.route("/v1", crons);
admin.route("/v1", heartbeat);
admin.route("/v1", owners);
admin.route("/v1", assets);
admin.route("/v1", domains);
admin.route("/v1", audit);
admin.route("/v1", incidents);
admin.route("/v1", quotas);
admin.route("/v1", processMetrics);
admin.route("/v1", logs);

/**
 * Deletes expired KV entries, objects' history older than its window and unreferenced storage blobs, in bounded batches; the CLI calls
 * it periodically. `deleted` counts KV entries.
 */
admin.post("/v1/maintenance/sweep", async (c) => {
  requireOperator(c.var.scope);
  const deleted = await sweepExpired(c.env, 10);
  // Aborting first makes the aborted uploads' parts due in time for this pass's collection.
  const abortedUploads = await abortStaleUploads(c.env);
  await expireLogs(c.env);
  await expireHistory(c.env);
  await forgetHistoryOverQuota(c.env);
  return c.json({ deleted, abortedUploads, collectedBlobs: await collectBlobs(c.env, 10) });
});

admin.notFound((c) => c.json({ error: { code: "ERR_NOT_FOUND", message: `No admin route ${c.req.method} ${c.req.path}.` } }, 404));

admin.onError((error, c) => {
  error = quotaError(error);
  if (error instanceof PlatformError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status as 400);
  }
  if (isDatabaseUnavailable(error)) {
    log.error("admin API: the database is unavailable; answered 503", { error: error.message });
    return c.json({ error: { code: "ERR_DATABASE_UNAVAILABLE", message: "The database is unavailable; try again shortly." } }, 503, { "retry-after": "1" });
  }
  log.error("admin API error", { error: errorText(error) });
  return c.json({ error: { code: "ERR_INTERNAL", message: "Internal error; see the platform log." } }, 500);
});
