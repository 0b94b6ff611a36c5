// R2 in the binding registry (runner/bindings/registry.ts): deploy field `r2` (binding name →
// bucket name), created on deploy, minted as the R2 entrypoint with the bucket's id.
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";
import { resourceIds } from "../bindings/resource-ids.ts";
import { R2_SQL } from "./sql.ts";

// https://developers.cloudflare.com/r2/buckets/create-buckets/#bucket-level-operations
export const BucketNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "R2 bucket names are 3-63 lowercase letters, digits and dashes, not starting or ending with a dash.");

const R2FieldSchema = safeRecord(BindingNameSchema, BucketNameSchema).default({});

export interface R2Bindings {
  /** binding name → R2 bucket name (within the tenant) */
  r2?: Record<string, string>;
}

export const R2_BINDING: BindingKind<typeof R2FieldSchema, R2Bindings> = {
  schema: R2FieldSchema,
  store: (r2) => (Object.keys(r2).length > 0 ? { r2 } : {}),
  create: (tenant, r2) => ({ text: R2_SQL.createBuckets, params: [tenant, Object.values(r2)] }),
  env: {
    label: "R2 bucket",
    shim: "r2",
    names: ({ r2 = {} }) => Object.keys(r2),
    async mint({ env, exports, tenant, worker }, { r2 = {} }) {
      const bucketId = await resourceIds(env, R2_SQL.bucketIds, tenant, Object.values(r2), "R2 bucket");
      return Object.entries(r2).map(([binding, bucket]) => [binding, exports.R2({ props: { tenant, worker, binding, bucketId: bucketId(bucket) } })]);
    },
  },
};
