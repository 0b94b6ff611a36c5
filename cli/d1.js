// `outpost d1 create|list|info|delete`, `d1 execute DB --command SQL | --file F [--json]`,
// `d1 migrations create|list|apply DB`, `d1 export DB --output F.sql` and `d1 time-travel
// info|restore DB` (d1-time-travel.js): wrangler's D1 verbs, each a call to the admin API's D1
// routes (docs/admin-api.md).
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { callAdmin } from "./admin-client.js";
import { createMigration, migrationSql, migrationTarget, unapplied } from "./d1-migrations.js";
import { timeTravelInfo, timeTravelRestore } from "./d1-time-travel.js";

/**
 * @typedef {object} D1Options
 * @property {string} [tenant]
 * @property {string} [command]
 * @property {string} [file]
 * @property {boolean} json
 * @property {boolean} yes
 * @property {string} [output]
 * @property {string[]} tables
 * @property {boolean} noData
 * @property {boolean} noSchema
 * @property {string} [bookmark]
 * @property {string} [timestamp]
 */

const USAGE = `usage: outpost d1 create NAME | d1 list | d1 info NAME | d1 delete NAME [-y] | d1 execute NAME --command SQL | --file F [--json]
       outpost d1 migrations create NAME MESSAGE | d1 migrations list NAME | d1 migrations apply NAME [-y]
       outpost d1 export NAME --output F.sql [--no-data | --no-schema] [--table T]...
       outpost d1 time-travel info NAME [--timestamp T] [--json] | d1 time-travel restore NAME --bookmark B | --timestamp T [-y] [--json]   [--tenant ID]
       --local and --remote are accepted and ignored: there is one platform.`;

/**
 * `outpost d1 …` with wrangler's flag names (`--local`/`--remote` mean nothing here: there is one platform).
 * @param {string[]} args
 */
export async function d1Command(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tenant: { type: "string" },
      command: { type: "string" },
      file: { type: "string" },
      json: { type: "boolean" },
      yes: { type: "boolean", short: "y" },
      "skip-confirmation": { type: "boolean" },
      local: { type: "boolean" },
      remote: { type: "boolean" },
      output: { type: "string" },
      table: { type: "string", multiple: true },
      "no-data": { type: "boolean" },
      "no-schema": { type: "boolean" },
      bookmark: { type: "string" },
      timestamp: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(USAGE);
  /** @type {D1Options} */
  const options = {
    json: values.json ?? false,
    yes: Boolean(values.yes || values["skip-confirmation"]),
    tables: values.table ?? [],
    noData: values["no-data"] ?? false,
    noSchema: values["no-schema"] ?? false,
  };
  if (values.output !== undefined) options.output = values.output;
  if (values.tenant !== undefined) options.tenant = values.tenant;
  if (values.command !== undefined) options.command = values.command;
  if (values.file !== undefined) options.file = values.file;
  if (values.bookmark !== undefined) options.bookmark = values.bookmark;
  if (values.timestamp !== undefined) options.timestamp = values.timestamp;
  await d1(positionals, options);
}

/**
 * @param {string[]} args
 * @param {D1Options} options
 */
export async function d1([verb, name, ...rest], options) {
  if (verb === "list") return list(options);
  if (verb === "create" && name) return create(name, options);
  if (verb === "info" && name) return info(name, options);
  if (verb === "delete" && name) return remove(name, options);
  if (verb === "execute" && name) return execute(name, options);
  if (verb === "export" && name) return exportDatabase(name, options);
  if (verb === "migrations" && name && rest[0]) return migrations(name, rest[0], rest.slice(1).join(" "), options);
  if (verb === "time-travel" && name === "info" && rest[0]) return timeTravelInfo(rest[0], options);
  if (verb === "time-travel" && name === "restore" && rest[0]) return timeTravelRestore(rest[0], options);
  throw new Error(USAGE);
}

/** @param {D1Options} options */
const tenantQuery = ({ tenant }) => (tenant ? `?tenant=${encodeURIComponent(tenant)}` : "");
/** @param {string} name @param {D1Options} options @param {string} [rest] */
const databasePath = (name, options, rest = "") => `/v1/d1/databases/${encodeURIComponent(name)}${rest}${tenantQuery(options)}`;

/** @param {D1Options} options */
async function list(options) {
  const { databases } = await callAdmin("GET", `/v1/d1/databases${tenantQuery(options)}`);
  if (options.json) return console.log(JSON.stringify(databases, null, 2));
  if (databases.length === 0) return console.log("no databases");
  console.log(table(["name", "tenant", "database_id", "created_at"], databases));
}

/** @param {string} name @param {D1Options} options */
async function create(name, options) {
  await callAdmin("POST", `/v1/d1/databases${tenantQuery(options)}`, { name });
  console.log(`Created D1 database '${name}'. To use it from a worker, add to wrangler.toml:\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "${name}"`);
}

/** @param {string} name @param {D1Options} options */
async function info(name, options) {
  const database = await callAdmin("GET", databasePath(name, options));
  if (options.json) return console.log(JSON.stringify(database, null, 2));
  console.log(
    Object.entries(database)
      .map(([key, value]) => `${`${key}:`.padEnd(14)}${value ?? ""}`)
      .join("\n"),
  );
}

/** @param {string} name @param {D1Options} options */
async function remove(name, options) {
  if (!options.yes && process.stdin.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`About to delete D1 database '${name}' and every table in it. Ok to proceed? [y/N] `);
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return console.log(`Not deleting ${name}.`);
  }
  await callAdmin("DELETE", databasePath(name, options));
  console.log(`Deleted D1 database '${name}'.`);
}

/** Each statement of --command or --file, in one transaction; --file is also how a dump is imported. @param {string} name @param {D1Options} options */
async function execute(name, options) {
  if ((options.command === undefined) === (options.file === undefined)) throw new Error("outpost d1 execute takes either --command SQL or --file FILE");
  const sql = options.command ?? readFileSync(/** @type {string} */ (options.file), "utf8");
  const { results } = await callAdmin("POST", databasePath(name, options, "/query"), { sql });
  if (options.json) return console.log(JSON.stringify(results, null, 2));
  const read = results.reduce((/** @type {number} */ sum, /** @type {any} */ r) => sum + r.meta.rows_read, 0);
  const written = results.reduce((/** @type {number} */ sum, /** @type {any} */ r) => sum + r.meta.rows_written, 0);
  console.error(`Executed ${results.length} statement${results.length === 1 ? "" : "s"} on ${name} (${read} rows read, ${written} rows written).`);
  for (const { results: rows } of results) if (rows.length > 0) console.log(table(Object.keys(rows[0]), rows));
}

/**
 * `migrations create DB MESSAGE` writes the next file; `list` shows the migrations not applied
 * yet; `apply` applies them in order, each with its row in one transaction, and stops at the
 * first that fails (wrangler's wording).
 * @param {string} verb @param {string} database @param {string} message @param {D1Options} options
 */
async function migrations(verb, database, message, options) {
  const target = migrationTarget(database);
  if (verb === "create" && message) {
    const path = createMigration(target.dir, message, new Date());
    return console.log(`✅ Successfully created Migration '${path.slice(target.dir.length + 1)}'!\n\nThe migration is available for editing here\n${path}`);
  }
  if (verb !== "list" && verb !== "apply") throw new Error(USAGE);
  const query = async (/** @type {string} */ sql) => (await callAdmin("POST", databasePath(target.name, options, "/query"), { sql })).results;
  const pending = await unapplied(target, query);
  if (pending.length === 0) return console.log("✅ No migrations to apply!");
  console.log(
    `Migrations to be applied:\n${table(
      ["name"],
      pending.map((name) => ({ name })),
    )}`,
  );
  if (verb === "list") return;
  if (!options.yes && process.stdin.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(
      `About to apply ${pending.length} migration(s)\nYour database may not be available to serve requests during the migration, continue? [y/N] `,
    );
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return;
  }
  for (const file of pending) {
    try {
      await query(migrationSql(target, file));
    } catch (error) {
      console.log(`❌ ${file}`);
      console.error(`Migration ${file} failed with the following errors:`);
      throw error;
    }
    console.log(`✅ ${file}`);
  }
}

/**
 * The database as SQL in --output, written page by page as the export route gives them.
 * @param {string} name @param {D1Options} options
 */
async function exportDatabase(name, options) {
  if (!options.output) throw new Error("outpost d1 export takes --output FILE.sql");
  if (options.noData && options.noSchema) throw new Error("You cannot specify both --no-schema and --no-data");
  if (statSync(options.output, { throwIfNoEntry: false })?.isDirectory()) throw new Error("Please specify a file path for --output, not a directory.");
  const search = new URLSearchParams(options.tenant ? { tenant: options.tenant } : {});
  if (options.noData) search.set("no_data", "true");
  if (options.noSchema) search.set("no_schema", "true");
  for (const t of options.tables) search.append("table", t);
  console.log(`🌀 Exporting SQL to ${options.output}...`);
  const file = openSync(options.output, "w");
  try {
    /** @type {string | null} */
    let cursor = null;
    do {
      const page = new URLSearchParams(search);
      if (cursor !== null) page.set("cursor", cursor);
      const answer = await callAdmin("GET", `/v1/d1/databases/${encodeURIComponent(name)}/export?${page}`);
      writeSync(file, answer.sql);
      cursor = answer.cursor;
    } while (cursor !== null);
  } finally {
    closeSync(file);
  }
  console.log("Done!");
}

/**
 * Rows as a text table, one column per name.
 * @param {string[]} columns @param {Record<string, unknown>[]} rows
 */
function table(columns, rows) {
  const text = (/** @type {unknown} */ value) =>
    value === null || value === undefined ? "null" : typeof value === "object" ? JSON.stringify(value) : String(value);
  const cells = rows.map((row) => columns.map((column) => text(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => /** @type {string} */ (row[i]).length)));
  const line = (/** @type {string[]} */ values) =>
    values
      .map((value, i) => value.padEnd(/** @type {number} */ (widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((width) => "-".repeat(width))), ...cells.map(line)].join("\n");
}
