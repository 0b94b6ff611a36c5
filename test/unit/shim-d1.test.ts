// The D1 shim's side of the wire: what it sends the runner and how it turns answers into D1's
// results and errors. The database's behaviour is the suite's (test/d1-suite).
import { expect, it } from "vitest";
import type { D1Answer, D1Query, D1QueryOptions, D1Runner, D1StatementResult } from "../../runner/d1/contract.ts";
import { D1Database } from "../../shims/d1.ts";

const META = { served_by: "outpost.db", duration: 0.5, changes: 0, last_row_id: 0, changed_db: false, size_after: 8192, rows_read: 1, rows_written: 0 };
const result = (columns: string[], rows: D1StatementResult["rows"]): D1StatementResult => ({ columns, rows, meta: META });

/** Records each call's queries (and options) and answers with the next of `answers`. */
function setup(...answers: D1Answer[]) {
  const calls: D1Query[][] = [];
  const options: (D1QueryOptions | undefined)[] = [];
  const runner: D1Runner = {
    query: async (queries, given) => {
      calls.push(queries);
      options.push(given);
      return answers.shift() ?? { ok: true, results: queries.map(() => result([], [])), bookmark: null };
    },
  };
  return { db: new D1Database(runner), calls, options };
}

it("bind: values go over the wire as SQLite takes them (bytes as bytes, booleans as 1/0, NaN as null)", async () => {
  const { db, calls } = setup();
  await db
    .prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)")
    .bind("s", 1.5, true, Number.NaN, new Uint8Array([1, 2]).buffer, [3])
    .run();
  expect(calls).toEqual([[{ sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", params: ["s", 1.5, 1, null, new Uint8Array([1, 2]), new Uint8Array([3])] }]]);
});

it("bind: the statement shows its values as workerd's does (bytes as number arrays)", () => {
  const { db } = setup();
  const statement = db.prepare("SELECT ?, ?").bind(new Uint8Array([7]), false);
  expect(statement.statement).toBe("SELECT ?, ?");
  expect(statement.params).toEqual([[7], 0]);
});

it("results: BLOB cells come back as byte arrays, in objects and in raw rows", async () => {
  const answer: D1Answer = { ok: true, results: [result(["b", "n"], [[new Uint8Array([0, 255]), 1]])], bookmark: "b" };
  const { db } = setup(answer, answer);
  expect(await db.prepare("SELECT").all()).toEqual({ success: true, meta: META, results: [{ b: [0, 255], n: 1 }] });
  expect(await db.prepare("SELECT").raw({ columnNames: true })).toEqual([
    ["b", "n"],
    [[0, 255], 1],
  ]);
});

it("errors: the database's refusal is D1_ERROR with the detail as its cause", async () => {
  const { db } = setup({ ok: false, error: "no such table: t: SQLITE_ERROR", index: 0 });
  const error = (await db
    .prepare("SELECT * FROM t")
    .all()
    .catch((e: unknown) => e)) as Error;
  expect(error.message).toBe("D1_ERROR: no such table: t: SQLITE_ERROR");
  expect((error.cause as Error).message).toBe("no such table: t: SQLITE_ERROR");
});

it("exec: one query per line; a refusal names the line that failed", async () => {
  const { db, calls } = setup({ ok: false, error: "no such table: t: SQLITE_ERROR", index: 1 });
  await expect(db.exec("CREATE TABLE a (x);\nINSERT INTO t VALUES (1);\n")).rejects.toThrow(
    "D1_EXEC_ERROR: Error in line 2: INSERT INTO t VALUES (1);: no such table: t: SQLITE_ERROR",
  );
  expect(calls).toEqual([
    [
      { sql: "CREATE TABLE a (x);", params: [] },
      { sql: "INSERT INTO t VALUES (1);", params: [] },
    ],
  ]);
});

it("limits: a statement over 100,000 bytes is refused without a call", async () => {
  const { db, calls } = setup();
  await expect(db.prepare(`SELECT '${"x".repeat(100_000)}'`).all()).rejects.toThrow("D1_ERROR: statement too long: SQLITE_TOOBIG");
  expect(calls).toEqual([]);
});

it("withSession: asks for bookmarks and keeps the newest of overlapping answers; the database itself asks for none", async () => {
  const answer = (bookmark: string): D1Answer => ({ ok: true, results: [result([], [])], bookmark });
  const { db, options } = setup(answer("00000002"), answer("00000001"));
  const session = db.withSession("  ");
  await Promise.all([session.prepare("SELECT 1").run(), session.prepare("SELECT 2").run()]);
  expect(session.getBookmark()).toBe("00000002");
  await db.prepare("SELECT 3").run();
  expect(options).toEqual([{ bookmark: true }, { bookmark: true }, {}]);
  expect(session.getBookmark()).toBe("00000002");
});
