// One D1 database: a Durable Object whose SQLite storage (`ctx.storage.sql`, on local disk) is the
// database, as Miniflare's D1 is. workerd's SQLite refuses what D1 refuses with D1's messages:
// ATTACH, PRAGMAs that write or reach other files, `_cf_` names, BEGIN/SAVEPOINT (transactions
// are the object's), over 100 bound parameters, statements over 100 kB, values over 2 MB.
// Each transaction that changes it also appends what it changed to its write log (write-log.ts).
// Only the D1 entrypoint and the admin API call it, through owner.ts, and its owner, which copies it
// and ships its log to the blob store and restores it from there (snapshot, logAfter, restore). It is bundled alone and runs
// in a worker service of its own (cli/build.js, cli/workerd-config.js), so it imports nothing
// that needs the runner's env.
import { DurableObject } from "cloudflare:workers";
import { DATABASE_FULL, NOT_AUTHORIZED, SERVED_BY } from "./constants.ts";
import type { D1Answer, D1ObjectCopies, D1ObjectStub, D1Query, D1QueryOptions, D1StatementResult, LogMark, LogRow } from "./contract.ts";
import { quoteId, wholeDump } from "./export.ts";
import { namesReserved } from "./reserved.ts";
import { WriteLog, fromSqlite, replay, toSqlite } from "./write-log.ts";
import { Staging } from "./staging.ts";
import { yieldToIo } from "../yield-to-io.ts";

/** The page size of the object's SQLite file. */
const PAGE_BYTES = 4096;

/** A statement of only whitespace and indented `--` comment lines runs nothing, as in Miniflare's D1. */
const isEmpty = (sql: string) => sql.replace(/^\s+--.*/gm, "").trim() === "";

export class D1DatabaseObject extends DurableObject implements D1ObjectStub, D1ObjectCopies {
  #log = new WriteLog(this.ctx.storage.sql);
  readonly #staging = new Staging(this.ctx.storage.sql);

  async query(queries: D1Query[], options: D1QueryOptions = {}): Promise<D1Answer> {
    const statements = queries.map((query, index) => ({ ...query, index })).filter((query) => !isEmpty(query.sql));
    if (statements.length === 0) return { ok: false, error: "No SQL statements detected.", index: 0 };
    const reserved = statements.find((statement) => namesReserved(statement.sql));
    if (reserved) return { ok: false, error: NOT_AUTHORIZED, index: reserved.index };
    let running = 0;
    try {
      const sizeBefore = this.#size();
      const results = this.ctx.storage.transactionSync(() => {
        const results = statements.map((statement) => {
          running = statement.index;
          return this.#logged(statement);
        });
        // Inside the transaction, so throwing rolls the call back: a full database changes nothing.
        const size = results.at(-1)?.meta.size_after ?? sizeBefore;
        if (options.maxSize !== undefined && size > options.maxSize && size > sizeBefore) throw new Error(DATABASE_FULL);
        this.#log.endTransaction();
        return results;
      });
      return { ok: true, results, bookmark: options.bookmark ? await this.ctx.storage.getCurrentBookmark() : null };
    } catch (error) {
      this.#log.abandonTransaction();
      return { ok: false, error: error instanceof Error ? error.message : String(error), index: running };
    }
  }

  async erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#log = new WriteLog(this.ctx.storage.sql);
  }

  async snapshot(): Promise<{ position: number }> {
    // Under the input gate: no other call runs until the whole dump is written to the staging
    // table, so it is one state of the database, the one at the log's newest row. The owner then
    // reads it in pieces. Between pages the process takes its other I/O (its watchdog's probe).
    return this.ctx.blockConcurrencyWhile(async () => {
      const position = this.#log.position().seq;
      this.#staging.startCopy();
      await wholeDump(
        async (queries) => queries.map((query) => this.#run(query).result),
        async (statements) => {
          this.#staging.addToCopy(statements);
          await yieldToIo();
        },
      );
      return { position };
    });
  }

  async copyPiece(after: number, maxBytes: number): Promise<{ statements: string[]; next: number | null }> {
    return this.#staging.copyPiece(after, maxBytes);
  }

  async copyTaken(): Promise<void> {
    this.#staging.endCopy();
  }

  async stageRestore(first: boolean, statements: string[], log: LogRow[]): Promise<void> {
    this.#staging.stageRestore(first, statements, log);
  }

  async restore(mark: LogMark): Promise<number> {
    // One transaction, under the input gate, yielding to I/O between batches of the staged rows (a
    // restore may take longer than the process's stall limit). An error must not escape
    // blockConcurrencyWhile (it would reset the object): it is answered, then thrown.
    const outcome = await this.ctx.blockConcurrencyWhile(async () => {
      try {
        return { seq: await this.ctx.storage.transaction(() => this.#restoreStaged(mark)) };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
    });
    if ("error" in outcome) throw new Error(outcome.error);
    return outcome.seq;
  }

  async #restoreStaged(mark: LogMark): Promise<number> {
    const sql = this.ctx.storage.sql;
    // Foreign keys are checked at the commit, when the old tables are gone and the new ones whole.
    sql.exec("PRAGMA defer_foreign_keys = ON");
    this.#log.forRestore();
    const existing = sql
      .exec(
        `SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND name NOT LIKE '\\_outpost\\_%' ESCAPE '\\'`,
      )
      .toArray();
    for (const { type, name } of existing.sort((a, b) => (a.type === b.type ? 0 : a.type === "view" ? -1 : 1))) {
      sql.exec(`DROP ${type === "view" ? "VIEW" : "TABLE"} ${quoteId(String(name))}`);
    }
    for (const statements of this.#staging.stagedStatements()) {
      for (const statement of statements) sql.exec(statement);
      await yieldToIo();
    }
    await replay(sql, this.#staging.stagedRows(), yieldToIo);
    this.#staging.endRestore();
    return this.#log.afterRestore(mark);
  }

  async logAfter(seq: number, maxBytes: number): Promise<LogRow[]> {
    return this.#log.rowsAfter(seq, maxBytes);
  }

  async trimLog(seq: number): Promise<void> {
    this.#log.trimBefore(seq);
  }

  async position(): Promise<{ seq: number; at: number | null }> {
    return this.#log.position();
  }

  /** A statement of a tenant's transaction: its changes logged, and its counters without the log's rows. */
  #logged(query: D1Query): D1StatementResult {
    this.#log.beforeStatement(query.sql);
    const { result, logged } = this.#run(query);
    this.#log.afterStatement(query.sql, query.params, logged > 0);
    return result;
  }

  /** Runs one statement; `logged`: the rows the write log's triggers appended meanwhile, which its counters leave out. */
  #run({ sql, params }: D1Query): { result: D1StatementResult; logged: number } {
    const storage = this.ctx.storage.sql;
    const before = this.#counters();
    const sizeBefore = this.#size();
    const started = performance.now();
    const cursor = storage.exec(sql, ...params.map(toSqlite));
    const rows = [...cursor.raw()].map((row) => row.map(fromSqlite));
    const after = this.#counters(before.logSeq);
    const logged = after.logSeq - before.logSeq;
    this.#log.appended(after.loggedBytes);
    const sizeAfter = this.#size();
    const changes = after.changes - before.changes - logged;
    const result: D1StatementResult = {
      columns: cursor.columnNames,
      rows,
      meta: {
        served_by: SERVED_BY,
        duration: performance.now() - started,
        changes,
        last_row_id: after.lastRowId,
        changed_db: changes !== 0 || after.lastRowId !== before.lastRowId || sizeAfter !== sizeBefore,
        size_after: sizeAfter,
        rows_read: cursor.rowsRead,
        rows_written: cursor.rowsWritten - logged,
      },
    };
    return { result, logged };
  }

  /**
   * The counters around a statement; after it (`since`: the log's seq before it), also the bytes
   * the log's triggers appended meanwhile. Read to its end (one()): a statement left open would
   * make a later DROP TABLE fail as "database table is locked".
   */
  #counters(since?: number): { changes: number; lastRowId: number; logSeq: number; loggedBytes: number } {
    const storage = this.ctx.storage.sql;
    const columns = `total_changes() AS changes, last_insert_rowid() AS lastRowId, ${WriteLog.SEQ} AS logSeq`;
    const row =
      since === undefined
        ? storage.exec(`SELECT ${columns}, 0 AS loggedBytes`).one()
        : storage.exec(`SELECT ${columns}, ${WriteLog.BYTES_SINCE} AS loggedBytes`, since).one();
    return { changes: Number(row.changes), lastRowId: Number(row.lastRowId), logSeq: Number(row.logSeq), loggedBytes: Number(row.loggedBytes) };
  }

  /**
   * The database's size as its tenant sees it and its quota counts it: its file, less the log's
   * rows not shipped yet, in whole pages as the file's own size is (so it changes when a page
   * fills, not at every logged row: each new size is written to Postgres, size.ts).
   */
  #size(): number {
    const bytes = this.ctx.storage.sql.databaseSize - this.#log.pendingBytes() - this.#staging.bytes;
    return Math.max(0, Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES);
  }
}
