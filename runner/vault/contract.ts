// The vault's RPC contract: the props the loader mints and the methods of the runner's Vault
// entrypoint (entrypoint.ts) that the shims (shims/vault.ts: the vault binding and the Secrets
// Store-style secret) call. Both sides use it, so the compiler catches drift. Types only: the
// shim imports it with `import type`, so nothing here reaches the tenant bundle.

/** Minted by the loader for one vault binding (or one Secrets Store-style secret) of a version. */
export interface VaultProps {
  tenant: string;
  worker: string;
  binding: string;
  /** For a Secrets Store-style binding: the one vault entry `get()` returns. */
  secret?: string | undefined;
}

/**
 * The Vault entrypoint's RPC methods, as function-typed properties so parameters are checked in
 * both directions. Names avoid get/put/delete (see kv/contract.ts).
 */
export interface VaultRunner {
  /** The secret's value, or null if the vault has none by that name. */
  read: (name: string) => Promise<string | null>;
  write: (name: string, value: string) => Promise<void>;
  remove: (name: string) => Promise<void>;
  /** Names only: values are read one at a time. */
  names: () => Promise<string[]>;
  /** The Secrets Store-style binding's `get()`: its one secret, which must exist. */
  readBound: () => Promise<string>;
}
