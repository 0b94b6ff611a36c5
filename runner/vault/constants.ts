/** Secret and vault limits (Outpost's own; Cloudflare allows 5 KiB per secret binding). */
export const SECRET_LIMITS = {
  MAX_VALUE_BYTES: 64 * 1024,
  /** Vault entry names; secret bindings must also be JavaScript identifiers. */
  NAME_PATTERN: /^[A-Za-z0-9_.-]{1,128}$/,
  /** Secrets re-encrypted per statement batch during key rotation. */
  ROTATION_BATCH: 200,
} as const;

export const VAULT_SCOPE = "vault";

/** The scope of one worker's secret bindings. */
export function workerScope(worker: string): string {
  return `worker:${worker}`;
}
