// Service bindings in the binding registry (runner/bindings/registry.ts): deploy field `services`
// (binding name → another worker of the same tenant, optionally a named entrypoint), minted as the
// Service entrypoint, which finds the target's serving version on each call.
import { z } from "zod/v4";
import { BindingNameSchema, WorkerNameSchema, safeRecord } from "../admin/names.ts";
import type { BindingKind } from "../bindings/kind.ts";

const EntrypointNameSchema = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/, "Entrypoint names are exported class names.");

const ServicesFieldSchema = safeRecord(
  BindingNameSchema,
  z.object({ service: WorkerNameSchema, entrypoint: EntrypointNameSchema.optional() }).strict(),
).default({});

export interface ServiceBindings {
  /** binding name → another worker of the same tenant, and optionally a named entrypoint */
  services?: Record<string, { service: string; entrypoint?: string | undefined }>;
}

export const SERVICE_BINDING: BindingKind<typeof ServicesFieldSchema, ServiceBindings> = {
  schema: ServicesFieldSchema,
  store: (services) => (Object.keys(services).length > 0 ? { services } : {}),
  env: {
    label: "service",
    shim: "service",
    names: ({ services = {} }) => Object.keys(services),
    mint: ({ exports, tenant, worker }, { services = {} }) =>
      Object.entries(services).map(([binding, { service, entrypoint }]) => [
        binding,
        exports.Service({ props: { tenant, worker, binding, target: service, entrypoint } }),
      ]),
  },
};
