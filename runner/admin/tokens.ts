// Admin routes for tokens (operator only).
import { Hono, type MiddlewareHandler } from "hono";
import { requireOperator } from "../control/scope.ts";
import { createToken, listTokens, revokeToken } from "../control/tokens.ts";
import type { AdminEnv } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { TokenIdSchema, TokenSchema } from "./schemas.ts";

export const tokens = new Hono<AdminEnv>();

// Scoped to the token paths: this app is mounted beside others under /v1.
const operatorOnly: MiddlewareHandler<AdminEnv> = async (c, next) => {
  requireOperator(c.var.scope);
  await next();
};
tokens.use("/tokens", operatorOnly);
tokens.use("/tokens/*", operatorOnly);

tokens.post("/tokens", async (c) => {
  const { name, tenant } = parse(TokenSchema, await readJsonBody(c.req.raw, 4096), "body");
  const token = await createToken(c.env, name, tenant ?? null);
  c.set("audit", { target: `/v1/tokens/${token.id}`, tenant: token.tenant });
  return c.json(token, 201);
});

tokens.get("/tokens", async (c) => c.json({ tokens: await listTokens(c.env) }));

tokens.delete("/tokens/:id", async (c) => {
  c.set("audit", { tenant: await revokeToken(c.env, parse(TokenIdSchema, c.req.param("id"), "id")) });
  return c.body(null, 204);
});
