// `outpost d1 migrations create|list|apply DB`, as wrangler's: the files `NNNN_name.sql` in the
// database's `migrations_dir` (wrangler config; default `migrations`), and the names applied kept
// in the database itself, in wrangler's `d1_migrations` table. Each migration runs with the
// insert of its row in one call of the query route, so one transaction: a failing migration
// leaves the database as it was and stops the ones after it.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { findWranglerConfig, loadWranglerConfig } from "./wrangler-config.js";

const TABLE = "d1_migrations";

/** wrangler's statement, so a database migrated by either has the same table. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`;

/**
 * @typedef {object} MigrationTarget
 * @property {string} name  the database's name on the platform
 * @property {string} dir   its migrations directory, absolute
 */

/**
 * The database `database` names in the project's wrangler config (by `database_name` or binding,
 * as wrangler matches it), and its migrations directory; a name the config lacks is a database of
 * that name with the default directory, as wrangler treats one for a local database.
 * @param {string} database
 * @returns {MigrationTarget}
 */
export function migrationTarget(database) {
  const file = findWranglerConfig(process.cwd());
  if (file === undefined) throw new Error("No configuration file found. Create a wrangler.jsonc file to define your D1 database.");
  const { d1 } = loadWranglerConfig(file);
  const found = Object.entries(d1).find(([binding, entry]) => database === entry.databaseName || database === binding)?.[1];
  return found ? { name: found.databaseName, dir: found.migrationsDir } : { name: database, dir: resolve("migrations") };
}

/**
 * The `.sql` files of `dir`, ordered by their number as wrangler orders them.
 * @param {string} dir
 */
function migrationFiles(dir) {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .sort();
  return files.sort((a, b) => parseInt(a) - parseInt(b));
}

/**
 * Writes the next migration file: its number one past the highest in the directory, spaces in the
 * message as underscores, wrangler's header line.
 * @param {string} dir
 * @param {string} message
 * @param {Date} now
 * @returns {string} the file's path
 */
export function createMigration(dir, message, now) {
  mkdirSync(dir, { recursive: true });
  const highest = Math.max(0, ...migrationFiles(dir).map((file) => parseInt(file) || 0));
  const number = String(highest + 1).padStart(4, "0");
  const path = join(dir, `${number}_${message.replaceAll(" ", "_")}.sql`);
  writeFileSync(path, `-- Migration number: ${number} \t ${now.toISOString()}\n`);
  return path;
}

/**
 * The directory's migrations not yet in the database's table (created if missing, as wrangler does).
 * @param {MigrationTarget} target
 * @param {(sql: string) => Promise<any[]>} query  runs SQL on the database, answering each statement's result
 */
export async function unapplied(target, query) {
  if (!existsSync(target.dir)) {
    throw new Error(
      `No migrations present at ${target.dir}. No migrations folder found. Set \`migrations_dir\` in your wrangler config to choose a different path.`,
    );
  }
  const [, { results }] = await query(`${CREATE_TABLE}\nSELECT name FROM ${TABLE} ORDER BY id`);
  const applied = new Set(results.map((/** @type {{ name: string }} */ row) => row.name));
  return migrationFiles(target.dir).filter((file) => !applied.has(file));
}

/**
 * The migration's SQL with the insert of its row after it: sent as one call, they commit together.
 * @param {MigrationTarget} target
 * @param {string} file
 */
export function migrationSql(target, file) {
  return `${readFileSync(join(target.dir, file), "utf8")}\n;INSERT INTO ${TABLE} (name) VALUES ('${file.replaceAll("'", "''")}');`;
}
