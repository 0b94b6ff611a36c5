// `outpost d1 create|list|info|delete` and `d1 execute DB --command SQL | --file F [--json]`:
// wrangler's D1 verbs, each a call to the admin API's D1 routes (docs/admin-api.md).
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { callAdmin } from "./admin-client.js";

/**
 * @typedef {object} D1Options
 * @property {string} [tenant]
 * @property {string} [command]
 * @property {string} [file]
 * @property {boolean} json
 * @property {boolean} yes
 */

const USAGE =
  "usage: outpost d1 create NAME | d1 list | d1 info NAME | d1 delete NAME [-y] | d1 execute NAME --command SQL | --file F [--json]   [--tenant ID]";

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
    },
  });
  /** @type {D1Options} */
  const options = { json: values.json ?? false, yes: Boolean(values.yes || values["skip-confirmation"]) };
  if (values.tenant !== undefined) options.tenant = values.tenant;
  if (values.command !== undefined) options.command = values.command;
  if (values.file !== undefined) options.file = values.file;
  await d1(positionals, options);
}

/**
 * @param {string[]} args
 * @param {D1Options} options
 */
export async function d1([verb, name], options) {
  if (verb === "list") return list(options);
  if (verb === "create" && name) return create(name, options);
  if (verb === "info" && name) return info(name, options);
  if (verb === "delete" && name) return remove(name, options);
  if (verb === "execute" && name) return execute(name, options);
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
