// One D1 database: a Durable Object whose SQLite storage (`ctx.storage.sql`, on local disk) is the
// database, as Miniflare's D1 is. workerd's SQLite refuses what D1 refuses with D1's messages:
// ATTACH, PRAGMAs that write or reach other files, `_cf_` names, BEGIN/SAVEPOINT (transactions
// are the object's), over 100 bound parameters, statements over 100 kB, values over 2 MB.
// Only the D1 entrypoint and the admin API call it, through owner.ts, and its owner, which copies it
// to the blob store and restores it from there (snapshot, restore). It is bundled alone and runs
// in a worker service of its own (cli/build.js, cli/workerd-config.js), so it imports nothing
// that needs the runner's env.
import { DurableObject } from "cloudflare:workers";
import { DATABASE_FULL, SERVED_BY } from "./constants.ts";
import type { D1Answer, D1ObjectCopies, D1ObjectStub, D1Query, D1QueryOptions, D1StatementResult, D1Value } from "./contract.ts";
import { quoteId, wholeDump } from "./export.ts";

/** A statement of only whitespace and indented `--` comment lines runs nothing, as in Miniflare's D1. */
const isEmpty = (sql: string) => sql.replace(/^\s+--.*/gm, "").trim() === "";

export class D1DatabaseObject extends DurableObject implements D1ObjectStub, D1ObjectCopies {
  async query(queries: D1Query[], options: D1QueryOptions = {}): Promise<D1Answer> {
    const statements = queries.map((query, index) => ({ ...query, index })).filter((query) => !isEmpty(query.sql));
    if (statements.length === 0) return { ok: false, error: "No SQL statements detected.", index: 0 };
    let running = 0;
    try {
      const sizeBefore = this.ctx.storage.sql.databaseSize;
      const results = this.ctx.storage.transactionSync(() => {
        const results = statements.map((statement) => {
          running = statement.index;
          return this.#run(statement);
        });
        // Inside the transaction, so throwing rolls the call back: a full database changes nothing.
        const size = results.at(-1)?.meta.size_after ?? sizeBefore;
        if (options.maxSize !== undefined && size > options.maxSize && size > sizeBefore) throw new Error(DATABASE_FULL);
        return results;
      });
      return { ok: true, results, bookmark: options.bookmark ? await this.ctx.storage.getCurrentBookmark() : null };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error), index: running };
    }
  }

  async erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  async snapshot(): Promise<string[]> {
    // Under the input gate: no other call runs until the whole dump is read, so it is one state of
    // the database (the reads themselves are synchronous; the gate also holds across their awaits).
    return this.ctx.blockConcurrencyWhile(() => wholeDump(async (queries) => queries.map((query) => this.#run(query))));
  }

  async restore(statements: string[]): Promise<void> {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      // Foreign keys are checked at the commit, when the old tables are gone and the new ones whole.
      sql.exec("PRAGMA defer_foreign_keys = ON");
      const existing = sql
        .exec(
          `SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
        )
        .toArray();
      for (const { type, name } of existing.sort((a, b) => (a.type === b.type ? 0 : a.type === "view" ? -1 : 1))) {
        sql.exec(`DROP ${type === "view" ? "VIEW" : "TABLE"} ${quoteId(String(name))}`);
      }
      for (const statement of statements) sql.exec(statement);
    });
  }

  #run({ sql, params }: D1Query): D1StatementResult {
    const storage = this.ctx.storage.sql;
    const before = this.#counters();
    const sizeBefore = storage.databaseSize;
    const started = performance.now();
    const cursor = storage.exec(sql, ...params.map(toSqlite));
    const rows = [...cursor.raw()].map((row) => row.map(fromSqlite));
    const after = this.#counters();
    const changes = after.changes - before.changes;
    return {
      columns: cursor.columnNames,
      rows,
      meta: {
        served_by: SERVED_BY,
        duration: performance.now() - started,
        changes,
        last_row_id: after.lastRowId,
        changed_db: changes !== 0 || after.lastRowId !== before.lastRowId || storage.databaseSize !== sizeBefore,
        size_after: storage.databaseSize,
        rows_read: cursor.rowsRead,
        rows_written: cursor.rowsWritten,
      },
    };
  }

  #counters(): { changes: number; lastRowId: number } {
    const [changes, lastRowId] = this.ctx.storage.sql.exec("SELECT total_changes(), last_insert_rowid()").raw().next().value as [number, number];
    return { changes, lastRowId };
  }
}

function toSqlite(value: D1Value): SqlStorageValue {
  return value instanceof Uint8Array ? value.slice().buffer : value;
}

function fromSqlite(value: SqlStorageValue): D1Value {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
}
