// The vault in the binding registry (runner/bindings/registry.ts), as two kinds over the one Vault
// entrypoint: `vaults` (binding names given the tenant's vault) and `secretsStore` (binding name →
// one vault entry, read with `await env.X.get()`, Cloudflare Secrets Store's shape).
import { z } from "zod/v4";
import { BindingNameSchema, SecretNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";

const VaultsFieldSchema = z.array(BindingNameSchema).max(16).default([]);

export interface VaultBindings {
  /** binding names that get the tenant's vault */
  vaults?: string[];
}

export const VAULT_BINDING: BindingKind<typeof VaultsFieldSchema, VaultBindings> = {
  schema: VaultsFieldSchema,
  store: (vaults) => (vaults.length > 0 ? { vaults } : {}),
  env: {
    label: "vault",
    shim: "vault",
    names: ({ vaults = [] }) => vaults,
    mint: ({ exports, tenant, worker }, { vaults = [] }) => vaults.map((binding) => [binding, exports.Vault({ props: { tenant, worker, binding } })]),
  },
};

const SecretsStoreFieldSchema = safeRecord(BindingNameSchema, z.object({ secret: SecretNameSchema }).strict()).default({});

export interface SecretsStoreBindings {
  /** binding name → one vault entry, read with `await env.X.get()` */
  secretsStore?: Record<string, { secret: string }>;
}

export const SECRETS_STORE_BINDING: BindingKind<typeof SecretsStoreFieldSchema, SecretsStoreBindings> = {
  schema: SecretsStoreFieldSchema,
  store: (secretsStore) => (Object.keys(secretsStore).length > 0 ? { secretsStore } : {}),
  env: {
    label: "secrets store secret",
    shim: "secretsStore",
    names: ({ secretsStore = {} }) => Object.keys(secretsStore),
    mint: ({ exports, tenant, worker }, { secretsStore = {} }) =>
      Object.entries(secretsStore).map(([binding, { secret }]) => [binding, exports.Vault({ props: { tenant, worker, binding, secret } })]),
  },
};
