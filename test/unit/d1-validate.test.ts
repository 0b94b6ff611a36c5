import { expect, it } from "vitest";
import { D1_LIMITS } from "../../runner/d1/constants.ts";
import { CALL_TOO_LARGE, limitRefusal } from "../../runner/d1/validate.ts";

const query = (sql: string, params: (number | string | null | Uint8Array)[] = []) => ({ sql, params });

it("limitRefusal: a call within the limits passes", () => {
  expect(limitRefusal([query("SELECT ?", [1]), query("SELECT ?", ["x"])])).toBeNull();
  expect(limitRefusal([])).toBeNull();
});

it("limitRefusal: statements of 100,000 UTF-8 bytes pass, longer ones are SQLite's TOOBIG, naming the statement", () => {
  const padded = (bytes: number) => `SELECT '${"x".repeat(bytes - 9)}'`;
  expect(padded(D1_LIMITS.MAX_STATEMENT_BYTES)).toHaveLength(D1_LIMITS.MAX_STATEMENT_BYTES);
  expect(limitRefusal([query(padded(D1_LIMITS.MAX_STATEMENT_BYTES))])).toBeNull();
  expect(limitRefusal([query("SELECT 1"), query(padded(D1_LIMITS.MAX_STATEMENT_BYTES + 1))])).toEqual({
    ok: false,
    error: "statement too long: SQLITE_TOOBIG",
    index: 1,
  });
  // Counted in bytes: 50,000 two-byte characters are 100,000 bytes and more with the SELECT.
  expect(limitRefusal([query(`SELECT '${"é".repeat(50_000)}'`)])?.error).toBe("statement too long: SQLITE_TOOBIG");
});

it("limitRefusal: a call over 32 MiB of statements and values is refused at the statement that crosses it", () => {
  const value = "x".repeat(4 * 1024 * 1024);
  const eight = Array.from({ length: 8 }, () => query("INSERT INTO t VALUES (?)", [value]));
  expect(limitRefusal(eight)).toEqual({ ok: false, error: CALL_TOO_LARGE, index: 7 });
  expect(limitRefusal(eight.slice(0, 7))).toBeNull();
  expect(limitRefusal([query("SELECT ?", [new Uint8Array(D1_LIMITS.MAX_CALL_BYTES)])])?.index).toBe(0);
});

it("limitRefusal: parameter counts and value sizes are left to SQLite, which words them as D1 does", () => {
  expect(
    limitRefusal([
      query(
        "SELECT 1",
        Array.from({ length: 500 }, () => null),
      ),
    ]),
  ).toBeNull();
  expect(limitRefusal([query("SELECT ?", ["x".repeat(3_000_000)])])).toBeNull();
});
