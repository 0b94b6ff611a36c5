// D1 in the binding registry (runner/bindings/registry.ts): deploy field `d1` (binding name →
// database name within the tenant, and wrangler's `database_id`, recorded), created on deploy
// if missing, minted as the D1 entrypoint with the database's id.
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";
import { resourceIds } from "../bindings/resource-ids.ts";
import { D1_SQL } from "./sql.ts";

export const DatabaseNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "D1 database names are 1-64 letters, digits, '_' and '-'.");

/** wrangler's `database_id`: Cloudflare's UUID of the database, kept as a record only. */
const CloudflareIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "database_id is 1-64 letters, digits and '-' (a UUID).");

const D1FieldSchema = safeRecord(BindingNameSchema, z.object({ databaseName: DatabaseNameSchema, databaseId: CloudflareIdSchema.optional() }).strict()).default(
  {},
);

export interface D1Bindings {
  /** binding name → D1 database name (within the tenant) */
  d1?: Record<string, string>;
}

export const D1_BINDING: BindingKind<typeof D1FieldSchema, D1Bindings> = {
  schema: D1FieldSchema,
  store: (d1) =>
    Object.keys(d1).length > 0 ? { d1: Object.fromEntries(Object.entries(d1).map(([binding, { databaseName }]) => [binding, databaseName])) } : {},
  create: (tenant, d1) => {
    const databases = Object.values(d1);
    return { text: D1_SQL.createDatabases, params: [tenant, databases.map((d) => d.databaseName), databases.map((d) => d.databaseId ?? null)] };
  },
  env: {
    label: "D1 database",
    shim: "d1",
    names: ({ d1 = {} }) => Object.keys(d1),
    async mint({ env, exports, tenant, worker, invocation }, { d1 = {} }) {
      const databaseId = await resourceIds(env, D1_SQL.databaseIds, tenant, Object.values(d1), "D1 database");
      return Object.entries(d1).map(([binding, database]) => [
        binding,
        exports.D1({ props: { tenant, worker, binding, databaseId: databaseId(database), invocation } }),
      ]);
    },
  },
};
