// The KV binding's RPC contract: the props the loader mints, the values that cross the wire and
// the methods of the runner's Kv entrypoint (entrypoint.ts) that the shim (shims/kv.ts) calls.
// Both sides use it, so the compiler catches drift. Types only: the shim imports it with
// `import type`, so nothing here reaches the tenant bundle.

/** Minted by the loader for one binding of one version; tenant code cannot change it. */
export interface KvProps {
  tenant: string;
  worker: string;
  binding: string;
  namespaceId: string;
}

export interface KvEntry {
  value: Uint8Array;
  metadata: string | null;
  expiration: number | null;
  version: string;
}

/** One key of a bulk get: the value and its metadata only. */
export interface KvBulkEntry {
  value: Uint8Array;
  metadata: string | null;
}

/** put() options as the shim sends them: integers, metadata already JSON. */
export interface KvPutOptions {
  expiration?: number;
  expirationTtl?: number;
  metadata?: string;
}

/** One entry of a bulk write. */
export interface KvWrite {
  key: string;
  value: string | Uint8Array;
  options?: KvPutOptions;
}

export interface KvListOptions {
  prefix?: string;
  limit?: number;
  cursor?: string;
}

export interface KvListResult {
  keys: { name: string; expiration?: number; metadata?: unknown }[];
  list_complete: boolean;
  cursor?: string;
}

/**
 * The Kv entrypoint's RPC methods. Function-typed properties rather than methods, so parameters
 * are checked in both directions (method parameters are bivariant). Names avoid get/put/delete:
 * on a tenant whose compatibility date predates `fetcher_no_get_put_delete`, a service stub's
 * get/put/delete are HTTP helpers and would shadow RPC methods of the same name.
 */
export interface KvRunner {
  read: (key: string, cacheTtl?: number) => Promise<KvEntry | null>;
  /** Entries in the order of `keys`, null where absent. */
  readMany: (keys: string[], type: string) => Promise<(KvBulkEntry | null)[]>;
  exists: (key: string) => Promise<boolean>;
  /** Returns the new entry's version. */
  write: (key: string, value: string | Uint8Array, options?: KvPutOptions) => Promise<string>;
  /** Creates the entry only if no visible one exists; returns the new version, or null. */
  writeIfAbsent: (key: string, value: string | Uint8Array, options?: KvPutOptions) => Promise<string | null>;
  /** Replaces the entry only if its version is still `version`; returns the new version, or null. */
  writeIfVersion: (key: string, value: string | Uint8Array, version: string, options?: KvPutOptions) => Promise<string | null>;
  remove: (key: string) => Promise<void>;
  list: (options: KvListOptions) => Promise<KvListResult>;
}

/** The Kv entrypoint's bulk methods, which the admin API calls (runner/kv/admin.ts) and no shim does. */
export interface KvBulkRunner {
  /** Every entry is checked before any is written; of duplicate keys the last wins. */
  writeMany: (entries: KvWrite[]) => Promise<void>;
  removeMany: (keys: string[]) => Promise<void>;
}
