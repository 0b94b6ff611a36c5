// A database's write log: what each committed transaction changed, appended inside that same
// transaction to a table of the database (`_outpost_log`), so the log is exactly as durable as the
// data until the database's owner ships it to the blob store and trims it (runner/owners/logs.ts).
// A copy of the database plus the log after it is the database at any commit since: a takeover
// after a lost host and D1's Time Travel replay it (replay()).
//
// Triggers of Outpost's on every table (after INSERT, UPDATE and DELETE) append each changed row:
// a header row ('I', 'U' or 'D' and the table), then the old row's key ('k' rows) and the new
// row's values ('n' rows: all of an inserted row's, the changed ones of an updated row's), each
// value as SQLite holds it, so a change replays exactly whatever its type and size: a number leaves
// the database as SQLite's quote() prints it, its type ('integer' or 'real') in the row's table
// slot, for a JS number keeps neither (5 and 5.0 are one number, 2^53 + 1 is 2^53, JSON has no
// Infinity). The triggers name the table's columns, so a statement that may change the schema (it
// says CREATE, ALTER or DROP outside quotes and comments) runs with them dropped: it is logged as
// its text and bound values ('S' and 'p' rows) and run again by a replay, and the triggers are made
// again for the tables as they are after it. A statement that names sqlite_sequence and writes it
// alone (resets AUTOINCREMENT's counters, which no trigger sees) is logged as its text too. Each
// transaction that changed something ends with a 'C' row: its
// time. Outpost appends its own rows through a view (`_outpost_mark`), so that the connection's
// last_insert_rowid() stays the tenant's.
//
// Not in the log: writes to a virtual table (fts5), which no trigger sees; a commit while the
// database has one ends with an 'O' row, which no replay passes. A time-travel restore ends with
// an 'R' row: what follows it replays onto the copy taken after the restore, not onto the log
// before it. An 'A' row voids the rows since the last end (runner/owners/log-rows.ts).
import { END_OPS, type LogMark, type LogRow } from "../owners/log-rows.ts";
import type { D1Value } from "./contract.ts";
import { quoteId } from "./export.ts";
import { pieceEnd } from "./pieces.ts";
import { tokens } from "./reserved.ts";

/** The ops of the log's rows. */
const OP = { insert: "I", update: "U", delete: "D", key: "k", value: "n", statement: "S", param: "p", ...END_OPS } as const;

/** The words of a statement that may change the schema (outside quotes and comments): it runs without the triggers. */
const SCHEMA_WORDS = new Set(["create", "alter", "drop"]);
const mayChangeSchema = (statement: string) =>
  /\b(CREATE|ALTER|DROP)\b/i.test(statement) && [...tokens(statement)].some((token) => !token.quoted && SCHEMA_WORDS.has(token.text.toLowerCase()));
const namesSequences = (statement: string) =>
  /sqlite_sequence/i.test(statement) && [...tokens(statement)].some((token) => token.text.toLowerCase() === "sqlite_sequence");

const LOG = "_outpost_log";
const MARK = "_outpost_mark";
/** The triggers on tenant tables, dropped and made again around schema changes (the view's trigger stays). */
const ON_TABLE = "_outpost_on_";
const ROWID_NAMES = ["rowid", "_rowid_", "oid"];

/** SQLite's types of a number: a row of the log holding one says which in its table slot. */
const NUMBER = "('integer', 'real')";

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Rows of the log read at a time, at most. */
const PIECE_ROWS = 100_000;

/** About what a row of the log takes in the file: its value and the rest of the row. */
const ROW_BYTES = "coalesce(length(CAST(v AS BLOB)), 0) + 24";

interface Table {
  name: string;
  /** The columns a row is written with: the rowid's name first (a rowid table), generated columns left out. */
  columns: string[];
  /** The columns that find a row: the rowid, or a WITHOUT ROWID table's primary key. */
  key: string[];
}

export class WriteLog {
  readonly #sql: SqlStorage;
  /** Whether the tables' triggers are in place; null: not known yet in this object's life. */
  #triggers: boolean | null = null;
  /** The database has a table whose writes no trigger sees (a virtual table). */
  #opaque = false;
  /** This transaction appended to the log. */
  #appended = false;
  /** AUTOINCREMENT's counters before a statement that names them; null: it does not. */
  #sequences: string | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The newest row of the log (a commit's last): where a copy of the database taken now stands. */
  position(): { seq: number; at: number | null } {
    this.#ensureTable();
    const row = this.#sql.exec(`SELECT seq, at FROM ${LOG} ORDER BY seq DESC LIMIT 1`).toArray()[0];
    return { seq: Number(row?.seq ?? 0), at: row?.at === undefined || row.at === null ? null : Number(row.at) };
  }

  /** The log's seq now (0: empty), read with the counters around each statement. */
  static readonly SEQ = `(SELECT coalesce(max(seq), 0) FROM ${LOG})`;

  /** The bytes of the log's rows after seq `?` (those a statement's triggers just appended), read with the counters after it. */
  static readonly BYTES_SINCE = `(SELECT coalesce(sum(${ROW_BYTES}), 0) FROM ${LOG} WHERE seq > ?)`;

  /** About how many bytes of the database file the log's rows take until shipped; null: not counted yet in this object's life. */
  #pending: number | null = null;

  /** Before each statement of a transaction: the triggers in place, or dropped when it may change the schema. */
  beforeStatement(statement: string): void {
    if (mayChangeSchema(statement)) this.#dropTriggers();
    else if (this.#triggers !== true) this.#installTriggers();
    this.#sequences = namesSequences(statement) ? this.#sequenceCounters() : null;
  }

  /** After a statement: one that may have changed the schema, or reset AUTOINCREMENT's counters, is logged as it ran; `appended`: its changed rows were. */
  afterStatement(statement: string, params: D1Value[], appended: boolean): void {
    if (appended) this.#appended = true;
    // Written by an INSERT into an AUTOINCREMENT table, the counters follow its rows in a replay.
    const countersWritten = !appended && this.#sequences !== null && this.#sequenceCounters() !== this.#sequences;
    if (!mayChangeSchema(statement) && !countersWritten) return;
    this.#append(OP.statement, null, null, statement, null);
    for (const param of params) this.#append(OP.param, null, null, param, null);
    this.#appended = true;
  }

  /** At the end of a transaction that will commit: the triggers back, and a commit row when it changed anything. */
  endTransaction(): void {
    if (this.#triggers !== true) this.#installTriggers();
    if (this.#appended) this.#append(this.#opaque ? OP.opaque : OP.commit, null, null, null, Date.now());
    this.#appended = false;
  }

  /** A transaction that did not commit leaves nothing appended. */
  abandonTransaction(): void {
    this.#appended = false;
    this.#triggers = null;
    this.#pending = null;
  }

  /** The log's rows after `seq` until about `maxBytes` of values have been read (at least one): a large transaction takes several reads. */
  rowsAfter(seq: number, maxBytes: number): LogRow[] {
    this.#ensureTable();
    const end = pieceEnd(this.#sql, LOG, "seq", ROW_BYTES, "1", seq, maxBytes, PIECE_ROWS);
    if (end === null) return [];
    const read = `SELECT seq, op, CASE WHEN typeof(v) IN ${NUMBER} THEN typeof(v) ELSE tbl END, col, CASE WHEN typeof(v) IN ${NUMBER} THEN quote(v) ELSE v END, at
                    FROM ${LOG} WHERE seq > ? AND seq <= ? ORDER BY seq`;
    return [...this.#sql.exec(read, seq, end).raw()].map(([at, op, table, column, value, time]) => [
      Number(at),
      String(op),
      nullableText(table),
      nullableText(column),
      fromSqlite(value ?? null),
      time === null || time === undefined ? null : Number(time),
    ]);
  }

  /**
   * About how many bytes the log's rows take in the database file: not the tenant's data, so its
   * size and quota leave them out. Pages freed when they are shipped count until they are used
   * again, as a deleted row's do.
   */
  pendingBytes(): number {
    this.#ensureTable();
    this.#pending ??= this.#bytes("");
    return this.#pending;
  }

  /** A statement's triggers appended `bytes` to the log. */
  appended(bytes: number): void {
    if (this.#pending !== null) this.#pending += bytes;
  }

  /** Forgets the rows before `seq` (shipped); the row at `seq` stays, so the next seq follows it. */
  trimBefore(seq: number): void {
    this.#ensureTable();
    const freed = this.#bytes("WHERE seq < ?", seq);
    this.#sql.exec(`DELETE FROM ${LOG} WHERE seq < ?`, seq);
    if (this.#pending !== null) this.#pending = Math.max(0, this.#pending - freed);
  }

  #bytes(where: string, ...params: number[]): number {
    return Number(
      this.#sql
        .exec(`SELECT coalesce(sum(${ROW_BYTES}), 0) FROM ${LOG} ${where}`, ...params)
        .raw()
        .next().value?.[0] ?? 0,
    );
  }

  /** Before a restore: the log's own triggers gone, so that what the restore writes is not logged again. */
  forRestore(): void {
    this.#dropTriggers();
    this.#ensureTable();
  }

  /**
   * After a restore, in its transaction: the log starts again at `mark`. A takeover restores a
   * position of the log (`seq` given: the rows before it were shipped); a time-travel restore
   * appends a restored row after the rows it keeps (not shipped yet). Answers the mark's seq.
   */
  afterRestore(mark: LogMark): number {
    this.#pending = null;
    if (mark.seq !== null) {
      this.#sql.exec(`DELETE FROM ${LOG}`);
      this.#sql.exec(`INSERT INTO ${LOG}(seq, op, at) VALUES (?, ?, ?)`, mark.seq, mark.op, mark.at);
    } else {
      this.#append(mark.op, null, null, null, mark.at);
    }
    this.#installTriggers();
    return this.position().seq;
  }

  /** sqlite_sequence's rows as one text ("" when there is none). */
  #sequenceCounters(): string {
    if (this.#sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").toArray().length === 0) return "";
    return String(this.#sql.exec("SELECT coalesce(group_concat(quote(name) || ' ' || quote(seq), ','), '') AS rows FROM sqlite_sequence").one().rows);
  }

  #append(op: string, table: string | null, column: string | null, value: D1Value, at: number | null): void {
    this.#sql.exec(`INSERT INTO ${MARK}(op, tbl, col, v, at) VALUES (?, ?, ?, ?, ?)`, op, table, column, toSqlite(value), at);
    this.appended(24 + (value === null ? 0 : value instanceof Uint8Array ? value.byteLength : new TextEncoder().encode(String(value)).byteLength));
  }

  #ensureTable(): void {
    if (this.#triggers !== null) return;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS ${LOG}(seq INTEGER PRIMARY KEY, op TEXT NOT NULL, tbl TEXT, col TEXT, v, at INTEGER)`);
    this.#sql.exec(`CREATE VIEW IF NOT EXISTS ${MARK} AS SELECT NULL AS op, NULL AS tbl, NULL AS col, NULL AS v, NULL AS at`);
    this.#sql.exec(
      `CREATE TRIGGER IF NOT EXISTS ${MARK}_insert INSTEAD OF INSERT ON ${MARK} BEGIN INSERT INTO ${LOG}(op, tbl, col, v, at) VALUES (NEW.op, NEW.tbl, NEW.col, NEW.v, NEW.at); END`,
    );
    this.#triggers = false;
  }

  #dropTriggers(): void {
    this.#ensureTable();
    for (const { name } of this.#ownTriggers()) this.#sql.exec(`DROP TRIGGER ${quoteId(name)}`);
    this.#triggers = false;
  }

  #ownTriggers(): { name: string }[] {
    return this.#sql
      .exec(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_outpost\\_on\\_%' ESCAPE '\\'`)
      .toArray()
      .map((row) => ({ name: String(row.name) }));
  }

  /** Each tenant table's three triggers, those it lacks made (they persist with the database). */
  #installTriggers(): void {
    this.#ensureTable();
    const existing = new Set(this.#ownTriggers().map((trigger) => trigger.name));
    const listed = this.#sql.exec("PRAGMA table_list").toArray();
    this.#opaque = listed.some((table) => table.schema === "main" && table.type === "virtual");
    for (const table of listed) {
      const name = String(table.name);
      if (table.schema !== "main" || table.type !== "table" || /^(sqlite_|_cf_|_outpost_)/i.test(name)) continue;
      const described = this.#describe(name, Number(table.wr) === 1);
      if (!described) {
        this.#opaque = true;
        continue;
      }
      for (const [trigger, sql] of triggersOf(described)) if (!existing.has(trigger)) this.#sql.exec(sql);
    }
    this.#triggers = true;
  }

  /** A table's columns and key; null when its rowid has no name left to reach it by (columns named rowid, _rowid_ and oid). */
  #describe(name: string, withoutRowid: boolean): Table | null {
    const info = this.#sql.exec(`PRAGMA table_xinfo(${quoteId(name)})`).toArray();
    // hidden 2 and 3: generated columns, which are computed, never written.
    const columns = info.filter((column) => Number(column.hidden) === 0).map((column) => String(column.name));
    if (withoutRowid) {
      const key = info.filter((column) => Number(column.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk));
      return { name, columns, key: key.map((column) => String(column.name)) };
    }
    // An INTEGER PRIMARY KEY is the rowid under another name: the row's values hold it already.
    const key = info.filter((column) => Number(column.pk) > 0);
    if (key.length === 1 && String(key[0]!.type).toUpperCase() === "INTEGER") return { name, columns, key: [String(key[0]!.name)] };
    const taken = new Set(info.map((column) => String(column.name).toLowerCase()));
    const rowid = ROWID_NAMES.find((candidate) => !taken.has(candidate));
    return rowid ? { name, columns: [rowid, ...columns], key: [rowid] } : null;
  }
}

/** The three triggers of a table, by name. */
function triggersOf(table: Table): [string, string][] {
  const values = (row: "NEW" | "OLD", op: string, columns: string[]) =>
    columns.map((column) => `('${op}', NULL, ${literal(column)}, ${row}.${quoteId(column)})`);
  const header = (op: string) => `('${op}', ${literal(table.name)}, NULL, NULL)`;
  const insert = (rows: string[]) => `INSERT INTO ${LOG}(op, tbl, col, v) VALUES ${rows.join(", ")};`;
  // An update logs only the columns it changed: a small change to a row that holds a large value
  // does not copy the value. Changed means another type or other bytes (`1` and `1.0`, or `a` and
  // `A` under NOCASE, are equal to SQLite's `IS`, not here).
  const changed = table.columns.map((column) => {
    const [now, was] = [`NEW.${quoteId(column)}`, `OLD.${quoteId(column)}`];
    return `INSERT INTO ${LOG}(op, tbl, col, v) SELECT '${OP.value}', NULL, ${literal(column)}, ${now}
      WHERE typeof(${now}) IS NOT typeof(${was}) OR CAST(${now} AS BLOB) IS NOT CAST(${was} AS BLOB);`;
  });
  const trigger = (event: string, body: string): [string, string] => {
    const name = `${ON_TABLE}${event.toLowerCase()}_${table.name}`;
    return [name, `CREATE TRIGGER ${quoteId(name)} AFTER ${event} ON ${quoteId(table.name)} BEGIN ${body} END`];
  };
  return [
    trigger("INSERT", insert([header(OP.insert), ...values("NEW", OP.value, table.columns)])),
    trigger("UPDATE", [insert([header(OP.update), ...values("OLD", OP.key, table.key)]), ...changed].join(" ")),
    trigger("DELETE", insert([header(OP.delete), ...values("OLD", OP.key, table.key)])),
  ];
}

/** A key or value of a logged row: a number as its quote() text, put back in its type by `placeholder`. */
interface Cell {
  column: string;
  value: SqlStorageValue;
  placeholder: string;
}

/**
 * Runs the log's rows on the database, in a transaction of the caller's, with the tenant's
 * triggers dropped (their writes are in the log already) and made again at the end and around each
 * logged statement (which may make or drop one), in their places (dropTenantTriggers). Foreign
 * keys: the caller defers them. The rows
 * come in order, in batches (a change's rows may span two); `pause` runs between batches (the
 * caller lets its process take other I/O).
 */
export async function replay(sql: SqlStorage, batches: Iterable<LogRow[]>, pause: () => Promise<void>): Promise<void> {
  let tenantTriggers = dropTenantTriggers(sql);
  let change: LogRow[] = [];
  const apply = () => {
    if (change.length > 0) tenantTriggers = applyChange(sql, change, tenantTriggers);
    change = [];
  };
  for (const batch of batches) {
    for (const row of batch) {
      if (!PARTS.has(row[1])) apply();
      change.push(row);
    }
    await pause();
  }
  apply();
  restoreTenantTriggers(sql, tenantTriggers);
}

/** One change: its header row and its parts. Answers the tenant's triggers as they are after it (a logged statement may make or drop one). */
function applyChange(sql: SqlStorage, [header, ...parts]: LogRow[], tenantTriggers: TenantSchema): TenantSchema {
  const [seq, op, table, , value, at] = header!;
  const keys: Cell[] = [];
  const values: Cell[] = [];
  const params: D1Value[] = [];
  for (const [, part, type, column, item] of parts) {
    // A statement's bound values came from JS numbers: one read back as quote() text is that number again.
    if (part === OP.param) params.push(type && typeof item === "string" ? Number(item) : item);
    else (part === OP.key ? keys : values).push({ column: quoteId(String(column)), value: toSqlite(item), placeholder: type ? `CAST(? AS ${type})` : "?" });
  }
  const where = keys.map((key) => `${key.column} = ${key.placeholder}`).join(" AND ");
  const target = quoteId(String(table));
  if (op === OP.insert) {
    const columns = values.map((cell) => cell.column).join(", ");
    sql.exec(`INSERT OR REPLACE INTO ${target}(${columns}) VALUES (${values.map((cell) => cell.placeholder).join(", ")})`, ...values.map((cell) => cell.value));
  } else if (op === OP.update && values.length > 0) {
    const set = values.map((cell) => `${cell.column} = ${cell.placeholder}`).join(", ");
    sql.exec(`UPDATE OR REPLACE ${target} SET ${set} WHERE ${where}`, ...[...values, ...keys].map((cell) => cell.value));
  } else if (op === OP.delete) {
    sql.exec(`DELETE FROM ${target} WHERE ${where}`, ...keys.map((cell) => cell.value));
  } else if (op === OP.statement) {
    restoreTenantTriggers(sql, tenantTriggers);
    sql.exec(String(value), ...params.map(toSqlite));
    return dropTenantTriggers(sql);
  } else if (op === OP.opaque) {
    throw new Error(`it had a virtual table (fts5) at ${new Date(Number(at)).toISOString()}, whose writes its log does not hold`);
  } else if (op === OP.restored) {
    throw new Error(`it was restored by time travel at ${new Date(Number(at)).toISOString()}, and no copy taken after that restore is in the blob store`);
  } else if (op !== OP.update && op !== OP.commit && op !== OP.aborted) {
    throw new Error(`unknown row ${op} at ${seq} of the write log`);
  }
  return tenantTriggers;
}

/** The rows that belong to the change before them. */
const PARTS = new Set<string>([OP.key, OP.value, OP.param]);

/** The tenant's triggers, and the indexes and views made after the first of them, in the order they were made. */
type TenantSchema = { type: string; name: string; sql: string }[];

/**
 * Drops the tenant's triggers; answers what puts them back where they were: each of them, and each
 * index and view made after the first of them, in the order they were made, so that the schema
 * reads in its own order again (an export lists it in that order).
 */
function dropTenantTriggers(sql: SqlStorage): TenantSchema {
  const objects = sql
    .exec(
      `SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index', 'view') AND sql NOT NULL
         AND name NOT LIKE '\\_outpost\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY rowid`,
    )
    .toArray()
    .map((row) => ({ type: String(row.type), name: String(row.name), sql: String(row.sql) }));
  const first = objects.findIndex((object) => object.type === "trigger");
  const after = first === -1 ? [] : objects.slice(first);
  for (const trigger of after) if (trigger.type === "trigger") sql.exec(`DROP TRIGGER ${quoteId(trigger.name)}`);
  return after;
}

function restoreTenantTriggers(sql: SqlStorage, objects: TenantSchema): void {
  for (const object of objects) if (object.type !== "trigger") sql.exec(`DROP ${object.type === "view" ? "VIEW" : "INDEX"} ${quoteId(object.name)}`);
  for (const object of objects) sql.exec(object.sql);
}

const nullableText = (value: SqlStorageValue | undefined) => (value === null || value === undefined ? null : String(value));

export function toSqlite(value: D1Value): SqlStorageValue {
  return value instanceof Uint8Array ? value.slice().buffer : value;
}

export function fromSqlite(value: SqlStorageValue): D1Value {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
}
