// Versioned schema migrations: runner/db/migrations/NNNN_name.sql, applied in order in one
// transaction under an advisory lock, so hosts starting together apply each exactly once.
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { QUOTA_DEFAULTS } from "./quota-defaults.js";

const MIGRATIONS_DIR = fileURLToPath(new URL("../runner/db/migrations/", import.meta.url));
const LOCK_ID = 0x6f7574706f7374n; // "outpost"
// The runner's SQL uses RETURNING old (Postgres 18): an R2 overwrite learns the blob it replaced.
const MIN_SERVER_VERSION = 180000;

/**
 * @param {string} databaseUrl
 * @returns {Promise<string[]>} names of the migrations applied now
 */
export async function migrate(databaseUrl) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [server] = await sql`SELECT current_setting('server_version_num')::int AS number, current_setting('server_version') AS name`;
    if (server?.number < MIN_SERVER_VERSION) throw new Error(`Outpost needs Postgres 18 or later; DATABASE_URL's server is ${server?.name}`);
    return await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCK_ID.toString()}::bigint)`;
      await tx`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
      const done = new Set((await tx`SELECT name FROM schema_migrations`).map((row) => row.name));
      const files = (await readdir(MIGRATIONS_DIR)).filter((file) => /^\d{4}_.+\.sql$/.test(file)).sort();
      const applied = [];
      for (const file of files) {
        if (done.has(file)) continue;
        await tx.unsafe(await readFile(MIGRATIONS_DIR + file, "utf8"));
        await tx`INSERT INTO schema_migrations (name) VALUES (${file})`;
        applied.push(file);
      }
      await syncQuotaDefaults(tx);
      return applied;
    });
  } finally {
    await sql.end();
  }
}

/**
 * Makes quota_defaults (migration 0015) the table in code, so an upgrade's new defaults apply at its first start.
 * @param {postgres.TransactionSql} tx
 */
async function syncQuotaDefaults(tx) {
  const names = Object.keys(QUOTA_DEFAULTS);
  await tx`DELETE FROM quota_defaults WHERE resource <> ALL(${names}::text[])`;
  await tx`INSERT INTO quota_defaults (resource, value) SELECT * FROM unnest(${names}::text[], ${Object.values(QUOTA_DEFAULTS)}::bigint[])
           ON CONFLICT (resource) DO UPDATE SET value = excluded.value`;
}
