// The key that signs presigned URLs and list cursors: HMAC-SHA-256 under HKDF(master key, salt
// of the active data-key version). Nothing of it is stored: every host on one database derives
// the same key from OUTPOST_MASTER_KEY and the active row of secret_keys. `rotate-key` makes a
// new version active and notifies every host (KEYS_CHANNEL), so what was signed before stops
// verifying everywhere.
import { database } from "../db/client.ts";
import type { ChannelListener } from "../db/notifications.ts";
import type { Env } from "../env.ts";
import { deriveSigningKey } from "./crypto.ts";

export const KEYS_CHANNEL = "outpost_keys";

// Derived once per version per process. Keys are plain data (not I/O objects), so safe to keep
// across requests.
const derived = new Map<number, CryptoKey>();
let active: CryptoKey | undefined;
// A rotation on another host reaches this process only while its listener is subscribed; until
// then every use reads the active version from Postgres.
let rotationsHeard = false;
// Bumped by every rotation: a lookup that overlapped one does not become the active key.
let epoch = 0;

export async function signingKey(env: Env): Promise<CryptoKey> {
  if (active && rotationsHeard) return active;
  const token = epoch;
  const [row] = await database(env).query<{ version: number; salt: Uint8Array }>("SELECT version, salt FROM secret_keys WHERE active");
  if (!row) throw new Error("no active secret key version; `outpost start` creates one");
  const { version } = row;
  let key = derived.get(version);
  if (!key) {
    key = await deriveSigningKey(env.MASTER_KEY, row.salt);
    derived.set(version, key);
  }
  if (token === epoch) active = key;
  return key;
}

/** A data-key version was made active (here, or on another host via NOTIFY). */
export function forgetSigningKey(): void {
  epoch++;
  active = undefined;
}

/** Key rotations made on any host (registered in runner/index.ts). */
export const keyRotations: ChannelListener = {
  notified: () => forgetSigningKey(),
  hearing(heard) {
    rotationsHeard = heard;
    forgetSigningKey();
  },
};
