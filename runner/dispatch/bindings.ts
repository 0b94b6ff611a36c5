/** The bindings stored with a version (part of its content hash). */
export interface VersionBindings {
  vars: Record<string, unknown>;
  /** binding name → KV namespace name (within the tenant) */
  kv: Record<string, string>;
  /** binding name → another worker of the same tenant, and optionally a named entrypoint */
  services?: Record<string, { service: string; entrypoint?: string | undefined }>;
}

/** What the shims must build for each binding name: the tenant isolate's `__outpost_bindings.json`. */
export type BindingManifest = Record<string, "kv" | "service">;
