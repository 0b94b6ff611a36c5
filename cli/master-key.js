// The master key for secrets: OUTPOST_MASTER_KEY (32 bytes, base64 or hex), or one generated
// into the data directory. It is handed to workerd through its environment, never written
// into the workerd config or the database; the database keeps only a check value per data-key
// version, so a host with the wrong key refuses to start instead of serving garbage.
import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import postgres from "postgres";

/**
 * @param {string} dataDir
 * @param {(line: string) => void} log
 * @returns {Promise<string>} the key, base64
 */
export async function masterKeyFor(dataDir, log) {
  const given = process.env.OUTPOST_MASTER_KEY;
  if (given) return normalise(given, "OUTPOST_MASTER_KEY");
  const file = join(dataDir, "master-key");
  if (existsSync(file)) return normalise((await readFile(file, "utf8")).trim(), file);
  const key = randomBytes(32).toString("base64");
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  log(`WARNING: no OUTPOST_MASTER_KEY set; generated one into ${file}. Back it up: secrets cannot be read without it.`);
  return key;
}

/**
 * Creates data-key version 1 on a new database; otherwise checks the key against every stored
 * version and throws one clear error on a mismatch.
 * @param {string} databaseUrl
 * @param {string} masterKey base64
 */
export async function verifyMasterKey(databaseUrl, masterKey) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const master = Buffer.from(masterKey, "base64");
    const salt = randomBytes(16);
    // Hosts starting together race here; one insert wins, the others check against it.
    await sql`INSERT INTO secret_keys (version, salt, check_value, active)
              SELECT 1, ${salt}, ${checkValue(master, salt)}, true WHERE NOT EXISTS (SELECT 1 FROM secret_keys)
              ON CONFLICT DO NOTHING`;
    for (const row of await sql`SELECT version, salt, check_value FROM secret_keys ORDER BY version`) {
      if (!checkValue(master, row.salt).equals(row.check_value)) {
        throw new Error(
          `ERR_MASTER_KEY: the master key does not match the one this database's secrets were encrypted with (data key version ${row.version}). ` +
            "Set OUTPOST_MASTER_KEY to the key used before (or restore <data dir>/master-key).",
        );
      }
    }
  } finally {
    await sql.end();
  }
}

/**
 * Must match runner/vault/crypto.ts: HMAC-SHA-256 under HKDF(master, salt, "outpost key check").
 * @param {Buffer} master
 * @param {Buffer} salt
 */
function checkValue(master, salt) {
  const key = Buffer.from(hkdfSync("sha256", master, salt, "outpost key check", 32));
  return createHmac("sha256", key).update("outpost").digest();
}

/** @param {string} text @param {string} where */
function normalise(text, where) {
  const bytes = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (bytes.length !== 32) throw new Error(`ERR_MASTER_KEY: ${where} must be 32 bytes, base64 or hex (e.g. openssl rand -base64 32)`);
  return bytes.toString("base64");
}
