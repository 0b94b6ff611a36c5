import { z } from "zod/v4";
import { SECRET_LIMITS } from "../vault/constants.ts";
import { BINDING_FIELDS, declaredNames } from "../bindings/registry.ts";
import { BindingNameSchema, ModuleNameSchema, StoredTextSchema, safeRecord } from "./names.ts";
import { isWellFormedText, unstorablePath } from "../storable-text.ts";
import { DNS_LABEL } from "../dispatch/hosts.ts";

export { AssetHashSchema } from "../assets/binding.ts";
export { SecretNameSchema, WorkerNameSchema } from "./names.ts";

/** Limits of a deploy: https://developers.cloudflare.com/workers/platform/limits/#worker-size */
export const DEPLOY_LIMITS = {
  MAX_BODY_BYTES: 15 * 1024 * 1024, // 10 MiB of code, plus base64/JSON overhead
  MAX_CODE_BYTES: 10 * 1024 * 1024,
  MAX_MODULES: 1000,
  MAX_VARS: 128,
  MAX_VAR_BYTES: 5 * 1024,
  /** `limits.cpuMs` bounds: the watchdog's resolution below, the platform's maximum stall above. */
  MIN_CPU_MS: 10,
  MAX_CPU_MS: 30_000,
} as const;

const CPU_MS_RANGE = `cpuMs is a whole number of milliseconds from ${DEPLOY_LIMITS.MIN_CPU_MS} to ${DEPLOY_LIMITS.MAX_CPU_MS}.`;

export const TenantSchema = z.string().regex(DNS_LABEL, "Tenant ids are 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.");

/** A worker's secret becomes a key of its env, so a new one is named like a binding. */
export const WorkerSecretNameSchema = BindingNameSchema;

const ModuleSchema = z
  .object({
    name: ModuleNameSchema,
    type: z.enum(["esm", "cjs", "text", "data", "json", "wasm"]),
    content: StoredTextSchema,
  })
  .strict();

export const DeploySchema = z
  .object({
    tenant: TenantSchema.optional(),
    mainModule: ModuleNameSchema,
    modules: z.array(ModuleSchema).min(1).max(DEPLOY_LIMITS.MAX_MODULES),
    compatibilityDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "compatibilityDate must look like YYYY-MM-DD.")
      .optional(),
    compatibilityFlags: z
      .array(z.string().regex(/^[a-z0-9_]{1,64}$/, "Compatibility flags are lowercase words joined by '_'."))
      .max(64)
      .default([]),
    /** vars, kv, services, r2, vaults, secretsStore, queues, crons, assets, d1: each kind's own (runner/bindings/registry.ts) */
    ...BINDING_FIELDS,
    routes: z.array(StoredTextSchema.min(1).max(255)).max(100).default([]),
    message: StoredTextSchema.max(1000).optional(),
    rolloutPercent: z.number().int().min(0).max(100).optional(),
    /** `[limits] cpu_ms`: enforced as the longest the worker may stall its process (docs/security.md, "CPU limit"). */
    limits: z
      .object({
        cpuMs: z.number(CPU_MS_RANGE).int(CPU_MS_RANGE).min(DEPLOY_LIMITS.MIN_CPU_MS, CPU_MS_RANGE).max(DEPLOY_LIMITS.MAX_CPU_MS, CPU_MS_RANGE).optional(),
      })
      .strict()
      .optional(),
    /**
     * `[observability] enabled`: the worker's console output, uncaught exceptions and invocation
     * outcomes are logged and stored; `headSamplingRate` (`head_sampling_rate`): the share of invocations.
     */
    observability: z
      .object({ enabled: z.boolean(), headSamplingRate: z.number().min(0).max(1).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((deploy, ctx) => {
    const names = new Set<string>();
    for (const module of deploy.modules) {
      if (names.has(module.name)) ctx.addIssue({ code: "custom", path: ["modules"], message: `Module ${module.name} appears twice.` });
      names.add(module.name);
    }
    const main = deploy.modules.find((module) => module.name === deploy.mainModule);
    if (!main) ctx.addIssue({ code: "custom", path: ["mainModule"], message: `mainModule ${deploy.mainModule} is not one of the modules.` });
    else if (main.type !== "esm") ctx.addIssue({ code: "custom", path: ["mainModule"], message: "The main module must be an ES module (type esm)." });
    const declared = new Map<string, string>();
    for (const [name, kind] of declaredNames(deploy)) {
      const earlier = declared.get(name);
      if (earlier) ctx.addIssue({ code: "custom", path: [name], message: `Binding ${name} is declared twice (${earlier} and ${kind}).` });
      declared.set(name, kind);
    }
    if (Object.keys(deploy.vars).length > DEPLOY_LIMITS.MAX_VARS) {
      ctx.addIssue({ code: "custom", path: ["vars"], message: `At most ${DEPLOY_LIMITS.MAX_VARS} vars are allowed.` });
    }
    for (const [name, value] of Object.entries(deploy.vars)) {
      const json = JSON.stringify(value);
      const unstorable = unstorablePath(value);
      if (json === undefined) ctx.addIssue({ code: "custom", path: ["vars", name], message: "Vars must be JSON values." });
      else if (unstorable)
        ctx.addIssue({ code: "custom", path: ["vars", name, ...unstorable], message: "Vars must not contain NUL characters or unpaired UTF-16 surrogates." });
      else if (json.length > DEPLOY_LIMITS.MAX_VAR_BYTES) {
        ctx.addIssue({ code: "custom", path: ["vars", name], message: `Var ${name} is larger than ${DEPLOY_LIMITS.MAX_VAR_BYTES} bytes.` });
      }
    }
  });

export type DeployInput = z.infer<typeof DeploySchema>;

export const VersionIdSchema = z.string().regex(/^[0-9a-f]{64}$/, "Version ids are 64 hex digits (see GET /v1/workers/:name/versions).");

export const RollbackSchema = z.object({ version: VersionIdSchema.optional() }).strict();

export const RolloutSchema = z.object({ version: VersionIdSchema, percent: z.number().int().min(0).max(100) }).strict();

const SecretTextSchema = z
  .string()
  // A value is kept encrypted as UTF-8, which cannot carry a lone surrogate: refused, not altered.
  .refine(isWellFormedText, "Secret values must be well-formed Unicode (no unpaired UTF-16 surrogates).")
  .refine(
    (value) => new TextEncoder().encode(value).byteLength <= SECRET_LIMITS.MAX_VALUE_BYTES,
    `Secret values are at most ${SECRET_LIMITS.MAX_VALUE_BYTES} bytes.`,
  );

export const SecretValueSchema = z.object({ value: SecretTextSchema }).strict();

/** `secret bulk`: name → value, as wrangler's file holds them. */
export const SecretsBulkSchema = z.object({ secrets: safeRecord(WorkerSecretNameSchema, SecretTextSchema) }).strict();

/** `PUT /v1/domains/:domain`: the tenant to own it (operators; a tenant token may omit it). */
export const DomainClaimSchema = z.object({ tenant: TenantSchema.optional() }).strict();

/** Ids as `createToken` makes them (control/tokens.ts). */
export const TokenIdSchema = z.string().regex(/^tok_[A-Za-z0-9_-]{1,32}$/, "Token ids look like tok_… (see GET /v1/tokens).");

export const TokenSchema = z
  .object({
    name: StoredTextSchema.min(1).max(100),
    /** Omit for an operator token (all tenants). */
    tenant: TenantSchema.optional(),
  })
  .strict();
