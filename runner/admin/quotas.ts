// Admin routes for tenant quotas: usage (a tenant token reads its own), overrides (operators).
import { Hono } from "hono";
import { z } from "zod/v4";
import { actingTenant, requireOperator } from "../control/scope.ts";
import { QUOTA_NAMES } from "../quota/resources.ts";
import { setQuotas, tenantUsage } from "../quota/usage.ts";
import type { AdminEnv } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { TenantSchema } from "./schemas.ts";

export const quotas = new Hono<AdminEnv>();

const QUOTA_VALUE = "A quota is a whole number from 0 (nothing more may be stored), or null for the default.";

/** `{ resource: value }`: a number overrides the default for the tenant, null returns to it. */
export const QuotasSchema = z
  .object(
    Object.fromEntries(
      QUOTA_NAMES.map((name) => [name, z.number(QUOTA_VALUE).int(QUOTA_VALUE).min(0, QUOTA_VALUE).max(Number.MAX_SAFE_INTEGER).nullable().optional()]),
    ),
  )
  .strict();

const tenantOf = (param: string) => parse(TenantSchema, param, "tenant");

quotas.get("/usage", async (c) => {
  const requested = c.req.query("tenant");
  return c.json(await tenantUsage(c.env, actingTenant(c.var.scope, requested === undefined ? undefined : tenantOf(requested))));
});

quotas.get("/tenants/:tenant/usage", async (c) => c.json(await tenantUsage(c.env, actingTenant(c.var.scope, tenantOf(c.req.param("tenant"))))));

for (const method of ["put", "patch"] as const) {
  quotas[method]("/tenants/:tenant/quotas", async (c) => {
    requireOperator(c.var.scope);
    const tenant = tenantOf(c.req.param("tenant"));
    c.set("audit", { tenant });
    const input = parse(QuotasSchema, await readJsonBody(c.req.raw, 4096), "body");
    await setQuotas(c.env, tenant, input, method === "put");
    return c.json(await tenantUsage(c.env, tenant));
  });
}
