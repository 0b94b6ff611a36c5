import { Hono } from "hono";
import { ZodError } from "zod";
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { sweepExpired } from "../kv/sweep.ts";
import { requireOperator } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { deployWorker } from "./deploy.ts";
import { DEPLOY_LIMITS, DeploySchema, WorkerNameSchema } from "./schemas.ts";

/** The admin API (admin socket only). Errors: `{ "error": { "code": "ERR_…", "message": "…" } }`. */
export const admin = new Hono<{ Bindings: Env }>();

admin.get("/healthz", (c) => c.json({ ok: true }));

admin.use("/v1/*", requireOperator());

admin.put("/v1/workers/:name", async (c) => {
  const name = parse(WorkerNameSchema, c.req.param("name"), "name");
  const input = parse(DeploySchema, await readJsonBody(c.req.raw, DEPLOY_LIMITS.MAX_BODY_BYTES), "body");
  const result = await deployWorker(c.env, name, input.tenant ?? "default", input);
  return c.json(result, result.changed ? 201 : 200);
});

admin.get("/v1/workers", async (c) => {
  const rows = await database(c.env).query(
    "SELECT name, tenant, version_id AS version, updated_at::text AS updated_at FROM workers ORDER BY name",
  );
  return c.json({ workers: rows });
});

admin.get("/v1/workers/:name", async (c) => {
  const name = parse(WorkerNameSchema, c.req.param("name"), "name");
  const [row] = await database(c.env).query(
    `SELECT w.name, w.tenant, w.version_id AS version, w.updated_at::text AS updated_at,
            v.compatibility_date, v.compatibility_flags, v.bindings, v.size_bytes
       FROM workers w JOIN versions v ON v.id = w.version_id WHERE w.name = $1`,
    [name],
  );
  if (!row) throw new PlatformError("ERR_NOT_FOUND", 404, `No worker named ${name}.`);
  return c.json(row);
});

/** Deletes expired KV entries in bounded batches; the CLI calls it periodically. */
admin.post("/v1/maintenance/sweep", async (c) => c.json({ deleted: await sweepExpired(c.env, 10) }));

admin.notFound((c) => c.json({ error: { code: "ERR_NOT_FOUND", message: `No admin route ${c.req.method} ${c.req.path}.` } }, 404));

admin.onError((error, c) => {
  if (error instanceof PlatformError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status as 400);
  }
  console.error("admin API error:", error);
  return c.json({ error: { code: "ERR_INTERNAL", message: "Internal error; see the platform log." } }, 500);
});

function parse<T>(schema: { parse(input: unknown): T }, input: unknown, what: string): T {
  try {
    return schema.parse(input);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issues = error.issues.map((issue) => `${[what, ...issue.path].join(".")}: ${issue.message}`);
    throw new PlatformError("ERR_BAD_REQUEST", 400, issues.join("; "));
  }
}
