// Encrypted secret storage: every value in Postgres is ciphertext; plaintext exists only in
// the runner while a value is written or read, and in the isolate of the worker it belongs to.
import { database, sql } from "../db/client.ts";
import type { Env } from "../env.ts";
import { SECRET_LIMITS } from "./constants.ts";
import { type SecretIdentity, checkValue, decryptSecret, deriveDataKey, encryptSecret } from "./crypto.ts";
import { KEYS_CHANNEL, forgetSigningKey } from "./signing.ts";

/** A value that did not decrypt: tampered with, copied from another row, or a wrong key. */
export class UndecryptableSecret extends Error {
  constructor(identity: SecretIdentity) {
    super(`Secret ${identity.name} could not be decrypted: its stored ciphertext fails authentication (altered, moved, or a different master key).`);
    this.name = "Error";
  }
}

/** A stored secret value: what decrypting it takes. */
/**
 * A secret as stored, with its data key's salt read in the same statement: a rotation deletes an
 * old key only once no secret uses it, so a row and its key are always read together (read apart,
 * a rotation between the two reads left the row's key gone).
 */
type SealedRow = { key_version: number; nonce: Uint8Array; ciphertext: Uint8Array; salt: Uint8Array };
/** A data-key version (secret_keys). */
type KeyRow = { version: number; salt: Uint8Array };
const ACTIVE_KEY = sql<KeyRow>("SELECT version, salt FROM secret_keys WHERE active");

// Derived keys by version. Plain data (not I/O objects), so safe to keep across requests.
const keys = new Map<number, CryptoKey>();

/** The data key of `version`, whose salt the caller read with what it decrypts or encrypts. */
async function keyFor(env: Env, version: number, salt: Uint8Array): Promise<CryptoKey> {
  let key = keys.get(version);
  if (!key) {
    key = await deriveDataKey(env.MASTER_KEY, salt);
    keys.set(version, key);
  }
  return key;
}

async function activeKey(env: Env): Promise<{ version: number; key: CryptoKey }> {
  const [row] = await database(env).query(ACTIVE_KEY);
  if (!row) throw new Error("no active secret key version; `outpost start` creates one");
  return { version: row.version, key: await keyFor(env, row.version, row.salt) };
}

export async function putSecret(env: Env, identity: SecretIdentity, value: string): Promise<void> {
  const { version, key } = await activeKey(env);
  const { nonce, ciphertext } = await encryptSecret(key, identity, value);
  await database(env).query(
    `INSERT INTO secrets (tenant, scope, name, key_version, nonce, ciphertext) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant, scope, name) DO UPDATE
       SET key_version = excluded.key_version, nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = now()`,
    [identity.tenant, identity.scope, identity.name, version, nonce, ciphertext],
  );
}

export async function getSecret(env: Env, identity: SecretIdentity): Promise<string | null> {
  const [row] = await database(env, identity.tenant).query<SealedRow>(
    `SELECT s.key_version, s.nonce, s.ciphertext, k.salt FROM secrets s JOIN secret_keys k ON k.version = s.key_version
      WHERE s.tenant = $1 AND s.scope = $2 AND s.name = $3`,
    [identity.tenant, identity.scope, identity.name],
  );
  return row ? decryptRow(env, identity, row) : null;
}

/** Every secret of a scope, decrypted: a worker's secret bindings when its isolate loads. */
export async function secretsOf(env: Env, tenant: string, scope: string): Promise<Record<string, string>> {
  const rows = await database(env).query<SealedRow & { name: string }>(
    "SELECT s.name, s.key_version, s.nonce, s.ciphertext, k.salt FROM secrets s JOIN secret_keys k ON k.version = s.key_version WHERE s.tenant = $1 AND s.scope = $2",
    [tenant, scope],
  );
  const entries = await Promise.all(rows.map(async (row) => [row.name, await decryptRow(env, { tenant, scope, name: row.name }, row)]));
  return Object.fromEntries(entries);
}

export async function listSecrets(env: Env, tenant: string, scope: string): Promise<{ name: string; updated_at: string }[]> {
  return database(env, tenant).query<{ name: string; updated_at: string }>(
    "SELECT name, updated_at::text AS updated_at FROM secrets WHERE tenant = $1 AND scope = $2 ORDER BY name",
    [tenant, scope],
  );
}

export async function deleteSecret(env: Env, identity: SecretIdentity): Promise<boolean> {
  const rows = await database(env).query("DELETE FROM secrets WHERE tenant = $1 AND scope = $2 AND name = $3 RETURNING name", [
    identity.tenant,
    identity.scope,
    identity.name,
  ]);
  return rows.length > 0;
}

/**
 * Key rotation without downtime: a new data-key version becomes active (new writes use it),
 * every value is re-encrypted under it in batches (each row only if it did not change
 * meanwhile), then the old versions are deleted. Until then, old versions keep decrypting.
 * The signing key (signing.ts) changes with the active version, at once on every host.
 */
export async function rotateKey(env: Env): Promise<{ version: number; reencrypted: number }> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const check = await checkValue(env.MASTER_KEY, salt);
  const [created] = await database(env)
    .transaction([
      { text: "UPDATE secret_keys SET active = false WHERE active", params: [] },
      {
        text: sql<Pick<KeyRow, "version">>(`INSERT INTO secret_keys (version, salt, check_value, active)
             SELECT coalesce(max(version), 0) + 1, $1, $2, true FROM secret_keys RETURNING version`),
        params: [salt, check],
      },
      { text: "SELECT pg_notify($1, '')", params: [KEYS_CHANNEL] },
    ])
    .then((results) => results[1] ?? []);
  forgetSigningKey();
  const version = created?.version as number;
  const key = await keyFor(env, version, salt);
  let reencrypted = 0;
  for (;;) {
    const rows = await database(env).query<SealedRow & SecretIdentity>(
      `SELECT s.tenant, s.scope, s.name, s.key_version, s.nonce, s.ciphertext, k.salt FROM secrets s JOIN secret_keys k ON k.version = s.key_version
        WHERE s.key_version <> $1 LIMIT $2`,
      [version, SECRET_LIMITS.ROTATION_BATCH],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const identity = { tenant: row.tenant, scope: row.scope, name: row.name };
      const { nonce, ciphertext } = await encryptSecret(key, identity, await decryptRow(env, identity, row));
      const updated = await database(env).query(
        `UPDATE secrets SET key_version = $4, nonce = $5, ciphertext = $6
          WHERE tenant = $1 AND scope = $2 AND name = $3 AND key_version = $7 AND nonce = $8 RETURNING name`,
        [identity.tenant, identity.scope, identity.name, version, nonce, ciphertext, row.key_version, row.nonce],
      );
      reencrypted += updated.length;
    }
  }
  await database(env).query("DELETE FROM secret_keys WHERE version <> $1 AND NOT EXISTS (SELECT 1 FROM secrets WHERE key_version = secret_keys.version)", [
    version,
  ]);
  return { version, reencrypted };
}

async function decryptRow(env: Env, identity: SecretIdentity, row: SealedRow): Promise<string> {
  const key = await keyFor(env, row.key_version, row.salt);
  try {
    return await decryptSecret(key, identity, row.nonce, row.ciphertext);
  } catch {
    throw new UndecryptableSecret(identity);
  }
}
