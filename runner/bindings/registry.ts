// The binding registry: every deploy field that goes into a version's bindings, one kind each,
// defined in its own folder (kind.ts says what a kind tells). The deploy schema
// (runner/admin/schemas.ts), the deploy (runner/control/deploy.ts), the loader
// (runner/dispatch/loader.ts) and the shims' manifest read it; adding a binding adds a line here.
import type { z } from "zod/v4";
import type { Statement } from "../db/client.ts";
import { ASSETS_BINDING } from "../assets/binding.ts";
import { CRON_TRIGGERS } from "../cron/binding.ts";
import { D1_BINDING } from "../d1/binding.ts";
import { KV_BINDING } from "../kv/binding.ts";
import { QUEUE_BINDING } from "../queue/binding.ts";
import { R2_BINDING } from "../r2/binding.ts";
import { SERVICE_BINDING } from "../services/binding.ts";
import { SECRETS_STORE_BINDING, VAULT_BINDING } from "../vault/binding.ts";
import type { BindingKind, BindingManifest, MintScope, SomeBindingKind } from "./kind.ts";
import { VARS } from "./vars.ts";

/**
 * Deploy field → kind. The order is the key order of the stored bindings JSON, which is hashed
 * into the version id: never reorder; a new kind goes last.
 */
export const BINDINGS = {
  vars: VARS,
  kv: KV_BINDING,
  services: SERVICE_BINDING,
  r2: R2_BINDING,
  vaults: VAULT_BINDING,
  secretsStore: SECRETS_STORE_BINDING,
  queues: QUEUE_BINDING,
  crons: CRON_TRIGGERS,
  assets: ASSETS_BINDING,
  d1: D1_BINDING,
};

type Kinds = typeof BINDINGS;

// Object.entries types its keys as string; they are the fields of BINDINGS, in its order.
const KINDS = Object.entries(BINDINGS) as [keyof Kinds, SomeBindingKind][];

type FieldSchemas = { [F in keyof Kinds]: Kinds[F]["schema"] };

/** Each kind's deploy field schema, for DeploySchema. */
export const BINDING_FIELDS = Object.fromEntries(KINDS.map(([field, kind]) => [field, kind.schema])) as FieldSchemas;

/** The deploy body's binding fields as parsed. */
export type BindingFields = z.output<z.ZodObject<FieldSchemas>>;

type Stored<K> = K extends BindingKind<z.ZodType, infer S> ? S : never;
/** The intersection of a union's members (inferred from a function parameter, which intersects). */
type AllOf<U> = (U extends unknown ? (piece: U) => void : never) extends (piece: infer I) => void ? I : never;

/** The bindings stored with a version (part of its content hash): every kind's piece. */
export type VersionBindings = AllOf<Stored<Kinds[keyof Kinds]>>;

/** The version's bindings for a deploy, each kind's piece in registry order. */
export function storedBindings(input: BindingFields): VersionBindings {
  return Object.assign({}, ...KINDS.map(([field, kind]) => kind.store(input[field]))) as VersionBindings;
}

/** The statements that create the tenant's resources a deploy names (namespaces, buckets, queues). */
export function createResources(tenant: string, input: BindingFields): Statement[] {
  return KINDS.flatMap(([field, kind]) => (kind.create ? [kind.create(tenant, input[field])] : []));
}

/** Each env name the deploy declares with what it is ("KV namespace"), in registry order. */
export function declaredNames(input: BindingFields): [name: string, label: string][] {
  return KINDS.flatMap(([field, { env, store }]) => (env ? env.names(store(input[field])).map((name): [string, string] => [name, env.label]) : []));
}

/** Every env name a version's bindings take. */
export function bindingNames(bindings: VersionBindings): string[] {
  return KINDS.flatMap(([, kind]) => kind.env?.names(bindings) ?? []);
}

/** The manifest for a version's bindings (vars, assets and secrets need no shim). */
export function bindingManifest(bindings: VersionBindings): BindingManifest {
  const manifest: BindingManifest = {};
  for (const [, { env }] of KINDS) {
    if (env?.shim) for (const name of env.names(bindings)) manifest[name] = env.shim;
  }
  return manifest;
}

/** The version's env values by name: a stub with its props per binding, and the vars. */
export async function mintBindings(scope: MintScope, bindings: VersionBindings): Promise<Record<string, unknown>> {
  const minted = await Promise.all(KINDS.map(([, kind]) => kind.env?.mint(scope, bindings) ?? []));
  return Object.fromEntries(minted.flat());
}
