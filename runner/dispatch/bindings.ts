import type { QueueConsumer, QueueProducer } from "../queue/schemas.ts";

/** The bindings stored with a version (part of its content hash). */
export interface VersionBindings {
  vars: Record<string, unknown>;
  /** binding name → KV namespace name (within the tenant) */
  kv: Record<string, string>;
  /** binding name → another worker of the same tenant, and optionally a named entrypoint */
  services?: Record<string, { service: string; entrypoint?: string | undefined }>;
  /** binding name → R2 bucket name (within the tenant) */
  r2?: Record<string, string>;
  /** the binding name of `env.ASSETS` (the version's static assets), if any */
  assets?: string;
  /** binding names that get the tenant's vault */
  vaults?: string[];
  /** binding name → one vault entry, read with `await env.X.get()` (Cloudflare Secrets Store's shape) */
  secretsStore?: Record<string, { secret: string }>;
  /** binding name → queue (within the tenant) it sends to (Cloudflare's `[[queues.producers]]`) */
  queueProducers?: Record<string, QueueProducer>;
  /** queues whose messages this worker consumes, with their settings (`[[queues.consumers]]`) */
  queueConsumers?: QueueConsumer[];
  /** cron triggers (`[triggers] crons`): the worker's scheduled() runs on them */
  crons?: string[];
}

/** What the shims must build for each binding name: the tenant isolate's `__outpost_bindings.json`. */
export type BindingManifest = Record<string, "kv" | "r2" | "service" | "vault" | "secretsStore" | "queue">;

/** The manifest for a version's bindings (vars, assets and secrets need no shim). */
export function bindingManifest(bindings: VersionBindings): BindingManifest {
  const manifest: BindingManifest = {};
  for (const name of Object.keys(bindings.kv)) manifest[name] = "kv";
  for (const name of Object.keys(bindings.r2 ?? {})) manifest[name] = "r2";
  for (const name of bindings.vaults ?? []) manifest[name] = "vault";
  for (const name of Object.keys(bindings.secretsStore ?? {})) manifest[name] = "secretsStore";
  for (const name of Object.keys(bindings.services ?? {})) manifest[name] = "service";
  for (const name of Object.keys(bindings.queueProducers ?? {})) manifest[name] = "queue";
  return manifest;
}

/** Every env name a version's bindings take. */
export function bindingNames(bindings: VersionBindings): string[] {
  return [
    ...Object.keys(bindings.vars),
    ...Object.keys(bindings.kv),
    ...Object.keys(bindings.r2 ?? {}),
    ...(bindings.assets ? [bindings.assets] : []),
    ...Object.keys(bindings.services ?? {}),
    ...(bindings.vaults ?? []),
    ...Object.keys(bindings.secretsStore ?? {}),
    ...Object.keys(bindings.queueProducers ?? {}),
  ];
}
