// `outpost d1 export`: a database as SQL statements, in the shape of Miniflare's D1 dump (wrangler's
// `d1 export --local`): `PRAGMA defer_foreign_keys=TRUE;`, each table's CREATE then its rows as
// INSERTs, then indexes, triggers and views. `outpost d1 execute --file` imports it into an empty
// database with every value as it was, its type included: numbers are written by SQLite's quote(),
// which keeps a REAL a REAL (`1.0`) and prints one exactly. A value too long for one statement
// (D1 takes 100,000 bytes) is inserted in pieces, its row then appended to by UPDATEs.
//
// A dump is made in pages, each one call of the admin route, each under about PAGE_BYTES of
// values, so neither the object's answer nor the route's holds a whole large database. The pages
// are separate reads: a dump taken while the database is written may mix states.
import { toHex } from "../encoding.ts";
import { PlatformError } from "../errors.ts";
import type { D1StatementResult, D1Value } from "./contract.ts";

export interface ExportOptions {
  noSchema: boolean;
  noData: boolean;
  /** Only these tables (and their indexes and triggers); none: every table. */
  tables: string[];
  /** Each row's rowid written too: a copy of the database (its write log names rows by rowid); an export, as Miniflare's, leaves it out. */
  rowids?: boolean;
}

/** Runs statements on the database (one transaction), answering each statement's result. */
export type RunQueries = (queries: { sql: string; params: D1Value[] }[]) => Promise<D1StatementResult[]>;

/** Where the next page starts: a table (by position in the dump's order) and a row offset; or the rest of the schema. */
export type ExportCursor = { table: number; offset: number } | "schema";

/** Values read for one page: a page ends after the row that passes this total. */
const PAGE_BYTES = 4 * 1024 * 1024;

/** D1's statement limit is 100,000 bytes: a row's INSERT longer than this has its long values split. */
const STATEMENT_BYTES = 90_000;
/**
 * The pieces of a split value, in characters: the first stays in the INSERT; the others, each an
 * UPDATE that copies the value so far, are as large as a statement allows (hex digits are a byte
 * each, text at most 3 bytes a character).
 */
const FIRST_PIECE = 256;
const PIECE = { blob: 88_000, text: 29_000 };

const encoder = new TextEncoder();

/** `"3.1500"` or `"schema"`: the page cursor as the route sends it; null when `text` is no cursor. */
export function parseCursor(text: string): ExportCursor | null {
  if (text === "schema") return "schema";
  const match = /^(\d{1,9})\.(\d{1,15})$/.exec(text);
  return match ? { table: Number(match[1]), offset: Number(match[2]) } : null;
}

const cursorText = (cursor: ExportCursor) => (cursor === "schema" ? cursor : `${cursor.table}.${cursor.offset}`);

export const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Table {
  name: string;
  sql: string;
}

/** One page of the dump: its statements, and the cursor of the next page (null: the dump is complete). */
export async function exportPage(run: RunQueries, options: ExportOptions, cursor: ExportCursor | null): Promise<{ sql: string; cursor: string | null }> {
  const page = await pageStatements(run, options, cursor);
  return { sql: joined(page.statements), cursor: page.cursor };
}

/**
 * The whole database as statements, one page after another, each page handed to `page` (a
 * snapshot writes them into its staging table, staging.ts): each statement one that D1 runs, so a
 * restore runs them one by one.
 */
export async function wholeDump(run: RunQueries, page: (statements: string[]) => Promise<void>): Promise<void> {
  const options: ExportOptions = { noSchema: false, noData: false, tables: [], rowids: true };
  let cursor: ExportCursor | null = null;
  do {
    const next = await pageStatements(run, options, cursor);
    await page(next.statements);
    cursor = next.cursor === null ? null : parseCursor(next.cursor);
  } while (cursor !== null);
}

async function pageStatements(run: RunQueries, options: ExportOptions, cursor: ExportCursor | null): Promise<{ statements: string[]; cursor: string | null }> {
  const out: string[] = cursor === null ? ["PRAGMA defer_foreign_keys=TRUE;"] : [];
  if (cursor !== "schema") {
    const tables = await tablesOf(run, options);
    let budget = PAGE_BYTES;
    for (let { table: index, offset } = cursor ?? { table: 0, offset: 0 }; index < tables.length; index++, offset = 0) {
      const table = tables[index]!;
      if (offset === 0 && !options.noSchema) out.push(createStatement(table));
      if (options.noData) continue;
      const page = await rowsOf(run, table, offset, budget, options.rowids ?? false);
      out.push(...page.statements);
      budget -= page.bytes;
      if (!page.done) return { statements: out, cursor: cursorText({ table: index, offset: offset + page.rows }) };
      if (budget <= 0) return { statements: out, cursor: cursorText(index + 1 < tables.length ? { table: index + 1, offset: 0 } : "schema") };
    }
  }
  if (!options.noSchema) out.push(...(await restOfSchema(run, options)));
  return { statements: out, cursor: null };
}

const joined = (statements: string[]) => statements.map((statement) => `${statement}\n`).join("");

/** The tables in Miniflare's order (sqlite_sequence last); the object's own `_cf_` tables, Outpost's `_outpost_` ones (the write log) and SQLite's statistics left out. */
async function tablesOf(run: RunQueries, { tables }: ExportOptions): Promise<Table[]> {
  const [result] = await run([
    {
      sql: `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql NOT NULL AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
              AND name NOT LIKE '\\_outpost\\_%' ESCAPE '\\'
              AND (name = 'sqlite_sequence' OR name NOT LIKE 'sqlite\\_%' ESCAPE '\\') ORDER BY tbl_name = 'sqlite_sequence', rowid`,
      params: [],
    },
  ]);
  const all = (result?.rows ?? []).map(([name, sql]) => ({ name: String(name), sql: String(sql) }));
  return tables.length === 0 ? all : all.filter((table) => tables.includes(table.name));
}

function createStatement({ name, sql }: Table): string {
  if (name === "sqlite_sequence") return "DELETE FROM sqlite_sequence;";
  if (sql.startsWith("CREATE VIRTUAL TABLE"))
    throw new PlatformError("ERR_BAD_REQUEST", 400, "D1 Export error: cannot export databases with Virtual Tables (fts5)");
  return /^CREATE TABLE ['"]/.test(sql) ? `CREATE TABLE IF NOT EXISTS ${sql.substring(13)};` : `${sql};`;
}

interface Column {
  name: string;
  /** position in the primary key, 0 when not in it */
  pk: number;
  /** the rowid, by a name no column has: the INSERT names its columns */
  rowid?: boolean;
}

/**
 * INSERTs for the table's rows from `offset`, up to and including the row whose values pass
 * `budget` bytes (so at least one). Two calls: the first finds where the budget runs out without
 * reading the values, the second reads that many rows, each cell as a literal.
 */
async function rowsOf(run: RunQueries, table: Table, offset: number, budget: number, withRowids: boolean) {
  const withoutRowid = /\)\s*WITHOUT\s+ROWID\s*$/i.test(table.sql);
  const [info] = await run([{ sql: `PRAGMA table_info(${quoteId(table.name)})`, params: [] }]);
  const columns: Column[] = (info?.rows ?? []).map((row) => ({ name: String(row[1]), pk: Number(row[5]) }));
  // An INTEGER PRIMARY KEY is the rowid: its value is written already.
  const keys = (info?.rows ?? []).filter((row) => Number(row[5]) > 0);
  const aliased = keys.length === 1 && String(keys[0]![2]).toUpperCase() === "INTEGER";
  const taken = new Set(columns.map((column) => column.name.toLowerCase()));
  const rowid = ["rowid", "_rowid_", "oid"].find((name) => !taken.has(name));
  if (withRowids && !withoutRowid && !aliased && table.name !== "sqlite_sequence" && rowid) columns.unshift({ name: rowid, pk: 0, rowid: true });
  const from = `FROM ${quoteId(table.name)}${withoutRowid ? "" : " ORDER BY rowid"} LIMIT ?2 OFFSET ?1`;
  const size = columns.map((column) => `coalesce(length(CAST(${quoteId(column.name)} AS BLOB)), 0)`).join(" + ");
  const [end] = await run([
    {
      sql: `SELECT n FROM (SELECT row_number() OVER w AS n, sum(${size}) OVER w AS total FROM (SELECT * ${from})
              WINDOW w AS (ROWS UNBOUNDED PRECEDING)) WHERE total > ?3 LIMIT 1`,
      params: [offset, -1, budget],
    },
  ]);
  const limit = Number(end?.rows[0]?.[0] ?? -1);
  // Numbers as quote() prints them (exactly, and a REAL as one); text and BLOBs as they are, quoted
  // here: quote() would double a BLOB's length, past SQLite's limit for a value.
  const cell = (column: Column) =>
    `CASE WHEN typeof(${quoteId(column.name)}) IN ('integer', 'real') THEN quote(${quoteId(column.name)}) ELSE ${quoteId(column.name)} END`;
  const [values, types] = await run([
    { sql: `SELECT ${columns.map(cell).join(", ")} ${from}`, params: [offset, limit] },
    { sql: `SELECT ${columns.map((column) => `typeof(${quoteId(column.name)})`).join(" || ' ' || ")} ${from}`, params: [offset, limit] },
  ]);
  const rows = (values?.rows ?? []).map((row, i) => literals(row, String(types?.rows[i]?.[0]).split(" ")));
  const statements = rows.flatMap((cells) => insertStatements(table.name, columns, cells, withoutRowid));
  const bytes = statements.reduce((total, statement) => total + statement.length, 0);
  return { statements, rows: rows.length, bytes, done: limit === -1 };
}

/** A row's values as SQL literals, by their SQLite types. */
function literals(row: D1Value[], types: string[]): string[] {
  return row.map((value, i) => {
    if (types[i] === "null") return "NULL";
    if (value instanceof Uint8Array) return `X'${toHex(value)}'`;
    return types[i] === "text" ? `'${String(value).replaceAll("'", "''")}'` : String(value);
  });
}

/**
 * The row's INSERT. A row too long for one statement is inserted with only the first piece of
 * each long value (at most 100 columns of FIRST_PIECE fit), the rest appended by UPDATEs.
 */
export function insertStatements(table: string, columns: Column[], cells: string[], withoutRowid: boolean): string[] {
  const named = columns[0]?.rowid ? `(${columns.map((column) => quoteId(column.name)).join(",")})` : "";
  const insert = (values: string[]) => `INSERT INTO ${quoteId(table)}${named} VALUES(${values.join(",")});`;
  if (cells.reduce((total, cell) => total + encoder.encode(cell).byteLength, 0) <= STATEMENT_BYTES) return [insert(cells)];
  const pieces = cells.map((cell) => (cell.length > FIRST_PIECE ? splitLiteral(cell) : [cell]));
  const thisRow = withoutRowid
    ? columns
        .filter((column) => column.pk > 0)
        .map((column) => `${quoteId(column.name)} IS ${cells[columns.indexOf(column)]}`)
        .join(" AND ")
    : "rowid = last_insert_rowid()";
  const appends = pieces.flatMap((rest, i) => {
    const column = quoteId(columns[i]!.name);
    return rest.slice(1).map((piece) => {
      const value = piece.startsWith("X'") ? `CAST(${column} || ${piece} AS BLOB)` : `${column} || ${piece}`;
      return `UPDATE ${quoteId(table)} SET ${column} = ${value} WHERE ${thisRow};`;
    });
  });
  return [insert(pieces.map((rest) => rest[0]!)), ...appends];
}

/** A literal (`'text'` or `X'hex'`) as literals whose concatenation is the value: FIRST_PIECE characters, then PIECE each. */
function splitLiteral(literal: string): string[] {
  const blob = literal.startsWith("X'");
  const value = blob ? literal.slice(2, -1) : literal.slice(1, -1).replaceAll("''", "'");
  const pieces: string[] = [];
  for (let start = 0; start < value.length;) {
    let end = Math.min(start + (start === 0 ? FIRST_PIECE : blob ? PIECE.blob : PIECE.text), value.length);
    // Never between the halves of a surrogate pair: each piece must be valid text on its own.
    if (!blob && end < value.length && /[\uD800-\uDBFF]/.test(value[end - 1]!)) end--;
    const piece = value.slice(start, end);
    pieces.push(blob ? `X'${piece}'` : `'${piece.replaceAll("'", "''")}'`);
    start = end;
  }
  return pieces;
}

/** Indexes, triggers and views in the order they were made (one may name another made before it); with --table, those of its tables. */
async function restOfSchema(run: RunQueries, { tables }: ExportOptions): Promise<string[]> {
  const [result] = await run([
    {
      sql: `SELECT tbl_name, sql FROM sqlite_master WHERE sql NOT NULL AND type IN ('index', 'trigger', 'view')
              AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE '\\_outpost\\_%' ESCAPE '\\' ORDER BY rowid`,
      params: [],
    },
  ]);
  return (result?.rows ?? []).filter(([table]) => tables.length === 0 || tables.includes(String(table))).map(([, sql]) => `${String(sql)};`);
}
