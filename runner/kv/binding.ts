// KV in the binding registry (runner/bindings/registry.ts): deploy field `kv` (binding name →
// namespace name), created on deploy, minted as the Kv entrypoint with the namespace's id.
import { z } from "zod/v4";
import { BindingNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";
import { resourceIds } from "../bindings/resource-ids.ts";
import { KV_SQL } from "./sql.ts";

export const NamespaceNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "KV namespace names are 1-64 letters, digits, '_', '.' and '-'.");

const KvFieldSchema = safeRecord(BindingNameSchema, NamespaceNameSchema).default({});

export interface KvBindings {
  /** binding name → KV namespace name (within the tenant); present, if empty, in every version */
  kv: Record<string, string>;
}

export const KV_BINDING: BindingKind<typeof KvFieldSchema, KvBindings> = {
  schema: KvFieldSchema,
  store: (kv) => ({ kv }),
  create: (tenant, kv) => ({ text: KV_SQL.createNamespaces, params: [tenant, Object.values(kv)] }),
  env: {
    label: "KV namespace",
    shim: "kv",
    names: ({ kv }) => Object.keys(kv),
    async mint({ env, exports, tenant, worker }, { kv }) {
      const namespaceId = await resourceIds(env, KV_SQL.namespaceIds, tenant, Object.values(kv), "KV namespace");
      return Object.entries(kv).map(([binding, namespace]) => [
        binding,
        exports.Kv({ props: { tenant, worker, binding, namespaceId: namespaceId(namespace) } }),
      ]);
    },
  },
};
