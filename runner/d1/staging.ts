// A database's copy and restore travel in pieces: one RPC call carries at most 32 MiB, and a
// database may be larger. A copy is written whole into a table of the database while no other
// call runs (so it is one state), then read out a piece at a time; a restore's copy and log rows
// are written into another table a piece at a time, then applied in one transaction, read back in
// batches. Both tables are Outpost's (`_outpost_`), left out of exports, copies and the size.
import type { LogRow } from "../owners/log-rows.ts";
import type { D1Value } from "./contract.ts";
import { pieceEnd } from "./pieces.ts";
import { fromSqlite, toSqlite } from "./write-log.ts";

const COPY = "_outpost_copy";
const RESTORE = "_outpost_restore";
/**
 * Staged rows read back at a time during a restore, at most, and about how many bytes: a batch is
 * read whole before it is applied (a table cannot be dropped under an open read), and the process
 * answers its watchdog between two.
 */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;
/** Statements of a copy read at a time, at most. */
const PIECE_ROWS = 100_000;

export class Staging {
  readonly #sql: SqlStorage;
  /** Bytes staged now, which the database's size leaves out. */
  bytes = 0;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  startCopy(): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS ${COPY}(n INTEGER PRIMARY KEY, statement TEXT NOT NULL)`);
    this.endCopy();
  }

  addToCopy(statements: string[]): void {
    for (const statement of statements) {
      this.#sql.exec(`INSERT INTO ${COPY}(statement) VALUES (?)`, statement);
      this.bytes += statement.length + 16;
    }
  }

  /** The copy's statements after the `after`th, about `maxBytes` of them (at least one); `next` null: the last piece. */
  copyPiece(after: number, maxBytes: number): { statements: string[]; next: number | null } {
    const end = pieceEnd(this.#sql, COPY, "n", "length(statement)", "1", after, maxBytes, PIECE_ROWS);
    if (end === null) return { statements: [], next: null };
    const statements = [...this.#sql.exec(`SELECT statement FROM ${COPY} WHERE n > ? AND n <= ? ORDER BY n`, after, end).raw()].map(([statement]) =>
      String(statement),
    );
    const more = this.#sql.exec(`SELECT 1 FROM ${COPY} WHERE n > ? LIMIT 1`, end).toArray().length > 0;
    return { statements, next: more ? end : null };
  }

  endCopy(): void {
    this.#sql.exec(`DELETE FROM ${COPY}`);
    this.bytes = 0;
  }

  /** A piece of a restore: the copy's statements, then the log rows after it. */
  stageRestore(first: boolean, statements: string[], rows: LogRow[]): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS ${RESTORE}(n INTEGER PRIMARY KEY, statement TEXT, seq INTEGER, op TEXT, tbl TEXT, col TEXT, v, at INTEGER)`);
    if (first) this.#sql.exec(`DELETE FROM ${RESTORE}`);
    for (const statement of statements) this.#sql.exec(`INSERT INTO ${RESTORE}(statement) VALUES (?)`, statement);
    for (const [seq, op, table, column, value, at] of rows) {
      this.#sql.exec(`INSERT INTO ${RESTORE}(seq, op, tbl, col, v, at) VALUES (?, ?, ?, ?, ?, ?)`, seq, op, table, column, toSqlite(value), at);
    }
  }

  /** The staged statements, then the staged log rows, in batches read whole. */
  *stagedStatements(): Generator<string[]> {
    for (const batch of this.#batches("statement IS NOT NULL")) yield batch.map((row) => String(row[1]));
  }

  *stagedRows(): Generator<LogRow[]> {
    for (const batch of this.#batches("statement IS NULL")) {
      yield batch.map(([, , seq, op, table, column, value, at]) => [
        Number(seq),
        String(op),
        table === null ? null : String(table),
        column === null ? null : String(column),
        fromSqlite(value ?? null) as D1Value,
        at === null ? null : Number(at),
      ]);
    }
  }

  endRestore(): void {
    this.#sql.exec(`DELETE FROM ${RESTORE}`);
  }

  *#batches(where: string): Generator<SqlStorageValue[][]> {
    const size = "coalesce(length(CAST(statement AS BLOB)), 0) + coalesce(length(CAST(v AS BLOB)), 0) + 32";
    for (let after = 0; ;) {
      const end = pieceEnd(this.#sql, RESTORE, "n", size, where, after, BATCH_BYTES, BATCH_ROWS);
      if (end === null) return;
      const rows = [...this.#sql.exec(`SELECT * FROM ${RESTORE} WHERE n > ? AND n <= ? AND ${where} ORDER BY n`, after, end).raw()];
      after = end;
      yield rows;
    }
  }
}
