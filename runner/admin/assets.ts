// Admin routes for asset uploads (the CLI's `outpost deploy` uses them for `[assets]`).
import { Hono } from "hono";
import { z } from "zod/v4";
import { missingAssets, uploadAsset } from "../control/assets.ts";
import { actingTenant } from "../control/scope.ts";
import { PlatformError } from "../errors.ts";
import type { AdminEnv } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { AssetHashSchema, TenantSchema } from "./schemas.ts";

export const assets = new Hono<AdminEnv>();

const MissingSchema = z.object({ hashes: z.array(AssetHashSchema).max(20_000), tenant: TenantSchema.optional() }).strict();

assets.post("/assets/missing", async (c) => {
  const { hashes, tenant } = parse(MissingSchema, await readJsonBody(c.req.raw, 2 * 1024 * 1024), "body");
  return c.json({ missing: await missingAssets(c.env, actingTenant(c.var.scope, tenant), hashes) });
});

assets.put("/assets/:hash", async (c) => {
  const hash = parse(AssetHashSchema, c.req.param("hash"), "hash");
  const requested = c.req.query("tenant");
  const tenant = actingTenant(c.var.scope, requested === undefined ? undefined : parse(TenantSchema, requested, "tenant"));
  if (!c.req.raw.body) throw new PlatformError("ERR_BAD_REQUEST", 400, "The asset's bytes are the request body.");
  await uploadAsset(c.env, tenant, hash, c.req.raw.body);
  return c.body(null, 204);
});
