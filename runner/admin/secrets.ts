// Admin routes for secrets: a worker's secret bindings, the tenant vault, key rotation.
// No route returns a secret's value.
import { Hono } from "hono";
import {
  deleteVaultSecret,
  deleteWorkerSecret,
  listVaultSecrets,
  listWorkerSecrets,
  putVaultSecret,
  putWorkerSecret,
  putWorkerSecrets,
  rotateSecretsKey,
} from "../control/secrets.ts";
import type { AdminEnv } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { parse } from "./parse.ts";
import { SecretNameSchema, SecretValueSchema, SecretsBulkSchema, TenantSchema, WorkerNameSchema, WorkerSecretNameSchema } from "./schemas.ts";

export const secrets = new Hono<AdminEnv>();

const MAX_BODY = 128 * 1024;
/** `secret bulk`: room for many values of the largest size. */
const MAX_BULK_BODY = 8 * 1024 * 1024;
const workerOf = (param: string) => parse(WorkerNameSchema, param, "name");
const secretOf = (param: string) => parse(SecretNameSchema, param, "secret");
const tenantOf = (query: string | undefined) => (query === undefined ? undefined : parse(TenantSchema, query, "tenant"));

secrets.put("/workers/:name/secrets/:secret", async (c) => {
  const { value } = parse(SecretValueSchema, await readJsonBody(c.req.raw, MAX_BODY), "body");
  // A new secret is a new env key; listing and deleting also take names stored before that rule.
  const name = parse(WorkerSecretNameSchema, c.req.param("secret"), "secret");
  await putWorkerSecret(c.env, c.var.scope, workerOf(c.req.param("name")), name, value);
  return c.body(null, 204);
});

secrets.put("/workers/:name/secrets", async (c) => {
  const { secrets } = parse(SecretsBulkSchema, await readJsonBody(c.req.raw, MAX_BULK_BODY), "body");
  await putWorkerSecrets(c.env, c.var.scope, workerOf(c.req.param("name")), secrets);
  return c.json({ count: Object.keys(secrets).length });
});

secrets.get("/workers/:name/secrets", async (c) => c.json({ secrets: await listWorkerSecrets(c.env, c.var.scope, workerOf(c.req.param("name"))) }));

secrets.delete("/workers/:name/secrets/:secret", async (c) => {
  await deleteWorkerSecret(c.env, c.var.scope, workerOf(c.req.param("name")), secretOf(c.req.param("secret")));
  return c.body(null, 204);
});

secrets.put("/vault/:secret", async (c) => {
  const { value } = parse(SecretValueSchema, await readJsonBody(c.req.raw, MAX_BODY), "body");
  await putVaultSecret(c.env, c.var.scope, tenantOf(c.req.query("tenant")), secretOf(c.req.param("secret")), value);
  return c.body(null, 204);
});

secrets.get("/vault", async (c) => c.json({ secrets: await listVaultSecrets(c.env, c.var.scope, tenantOf(c.req.query("tenant"))) }));

secrets.delete("/vault/:secret", async (c) => {
  await deleteVaultSecret(c.env, c.var.scope, tenantOf(c.req.query("tenant")), secretOf(c.req.param("secret")));
  return c.body(null, 204);
});

secrets.post("/secrets/rotate-key", async (c) => c.json(await rotateSecretsKey(c.env, c.var.scope)));
