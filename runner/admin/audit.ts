// The audit log at the admin edge: a middleware that records every state-changing /v1 call by
// its route (so new routes are covered without a line here), and GET /v1/audit to read it.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { z } from "zod/v4";
import { readAudit, recordAudit } from "../control/audit.ts";
import { actingTenant } from "../control/scope.ts";
import { database } from "../db/client.ts";
import type { AdminEnv } from "./auth.ts";
import { parse } from "./parse.ts";
import { TenantSchema } from "./schemas.ts";

export const AUDIT_LIMITS = { DEFAULT_ENTRIES: 50, MAX_ENTRIES: 500 } as const;

/**
 * Not recorded: the CLI's heartbeat and sweep (every second), queue messages (data, not
 * configuration) and asset uploads (content-addressed bytes nothing serves until a deploy,
 * which is recorded, names them). Incident reports are: they can suspend a worker.
 */
const UNRECORDED = /^\/v1\/(maintenance\/(?!incidents$)|assets\/|queues\/:name\/messages)/;
const READS = ["GET", "HEAD", "OPTIONS"];

/** What a handler may tell the audit log that the path does not: the created resource, its tenant. */
export interface AuditNote {
  target?: string;
  tenant?: string | null;
}

/**
 * Records each state-changing call that reached a route, with its status (refusals too). Runs
 * after authentication; the entry is written before the response leaves.
 */
export function auditTrail(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const route = matchedRoutes(c).at(-1);
    // A request no route took (the 404 handler) changed nothing; middleware is registered as ALL.
    const changes = !READS.includes(c.req.method) && route !== undefined && route.method !== "ALL" && !UNRECORDED.test(route.path);
    if (!changes) return next();
    // A worker's tenant is read before the call (a delete removes it) and, for a first deploy, after.
    const worker = c.var.scope.tenant === null ? /^\/v1\/workers\/([^/]+)/.exec(requestedPath(c))?.[1] : undefined;
    const before = worker === undefined ? null : await tenantOfWorker(c, worker);
    await next();
    const note = c.get("audit");
    const tenant =
      note?.tenant !== undefined
        ? note.tenant
        : (c.var.scope.tenant ?? queryTenant(c) ?? before ?? (worker === undefined ? null : await tenantOfWorker(c, worker)));
    await recordAudit(c.env, {
      scope: c.var.scope,
      client: c.var.client,
      action: `${c.req.method} ${route.path}`,
      target: note?.target ?? requestedPath(c),
      tenant,
      status: c.res.status,
    });
  };
}

/**
 * The path as requested, still percent-encoded: what the audit log records. (Hono's decoded path
 * may hold a NUL, which Postgres text refuses.)
 */
export function requestedPath(c: Context<AdminEnv>): string {
  return new URL(c.req.url).pathname;
}

function queryTenant(c: Context<AdminEnv>): string | undefined {
  const tenant = c.req.query("tenant");
  return tenant !== undefined && TenantSchema.safeParse(tenant).success ? tenant : undefined;
}

async function tenantOfWorker(c: Context<AdminEnv>, worker: string): Promise<string | null> {
  const [row] = await database(c.env).query<{ tenant: string }>("SELECT tenant FROM workers WHERE name = $1", [worker]);
  return row?.tenant ?? null;
}

const AuditQuerySchema = z
  .object({
    tenant: TenantSchema.optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_LIMITS.MAX_ENTRIES).default(AUDIT_LIMITS.DEFAULT_ENTRIES),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,18}$/, "before is the next value of the previous page.")
      .optional(),
  })
  .strict();

export const audit = new Hono<AdminEnv>();

/**
 * Newest first. Operators read every entry (`?tenant=`: those acting on a tenant); a tenant
 * token reads its own tenant's tokens' entries only, not the operator's nor failed logins.
 */
audit.get("/audit", async (c) => {
  const query = parse(AuditQuerySchema, c.req.query(), "query");
  const scope = c.var.scope;
  if (scope.tenant !== null) actingTenant(scope, query.tenant);
  return c.json(
    await readAudit(c.env, {
      ...(scope.tenant === null ? { tenant: query.tenant } : { actorTenant: scope.tenant }),
      before: query.before,
      limit: query.limit,
    }),
  );
});
