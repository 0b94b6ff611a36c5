// Admin routes for custom domains: register (operators assign; tenants claim when the operator
// opened claims), list, remove.
import { Hono } from "hono";
import { listDomains, registerDomain, removeDomain } from "../control/domains.ts";
import { actingTenant } from "../control/scope.ts";
import type { AdminEnv } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { DomainClaimSchema } from "./schemas.ts";

export const domains = new Hono<AdminEnv>();

domains.put("/domains/:domain", async (c) => {
  const { tenant } = parse(DomainClaimSchema, await readJsonBody(c.req.raw, 4096, true), "body");
  const { row, created } = await registerDomain(c.env, c.var.scope, c.req.param("domain"), actingTenant(c.var.scope, tenant));
  return c.json(row, created ? 201 : 200);
});

domains.get("/domains", async (c) => c.json({ domains: await listDomains(c.env, c.var.scope) }));

domains.delete("/domains/:domain", async (c) => {
  await removeDomain(c.env, c.var.scope, c.req.param("domain"));
  return c.body(null, 204);
});
