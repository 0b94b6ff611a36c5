import { expect, it } from "vitest";
import { insertStatements, parseCursor } from "../../runner/d1/export.ts";
import { splitStatements } from "../../runner/d1/statements.ts";

const COLUMNS = [
  { name: "id", pk: 1 },
  { name: "b", pk: 0 },
  { name: 't"x', pk: 0 },
];

it("insertStatements: a row within D1's statement limit is one INSERT", () => {
  expect(insertStatements("t", COLUMNS, ["1", "X'00ff'", "'it''s'"], false)).toEqual([`INSERT INTO "t" VALUES(1,X'00ff','it''s');`]);
});

it("insertStatements: a longer row is inserted with its long values' first pieces, then appended to; every statement is under 100,000 bytes", () => {
  const hex = "ab".repeat(150_000);
  const text = "€'😀".repeat(40_000);
  const statements = insertStatements("t", COLUMNS, ["7", `X'${hex}'`, `'${text.replaceAll("'", "''")}'`], false);
  expect(statements[0]).toBe(`INSERT INTO "t" VALUES(7,X'${hex.slice(0, 256)}','${text.slice(0, 256).replaceAll("'", "''")}');`);
  expect(
    statements
      .slice(1)
      .every((sql) =>
        /^UPDATE "t" SET ("b" = CAST\("b" \|\| X'[0-9a-f]+' AS BLOB\)|"t""x" = "t""x" \|\| '.+') WHERE rowid = last_insert_rowid\(\);$/s.test(sql),
      ),
  ).toBe(true);
  expect(statements.every((sql) => new TextEncoder().encode(sql).byteLength < 100_000)).toBe(true);
  const appended = (column: string) =>
    statements.filter((sql) => sql.startsWith(`UPDATE "t" SET ${column}`)).map((sql) => /\|\| (X?'.*') (AS BLOB\) )?WHERE/s.exec(sql)![1]!);
  expect(
    hex.slice(0, 256) +
      appended('"b"')
        .map((piece) => piece.slice(2, -1))
        .join(""),
  ).toBe(hex);
  expect(
    text.slice(0, 256) +
      appended('"t""x"')
        .map((piece) => piece.slice(1, -1).replaceAll("''", "'"))
        .join(""),
  ).toBe(text);
  // The pieces split again exactly where they were made: the import sees one statement each.
  expect(splitStatements(statements.join("\n"))).toHaveLength(statements.length);
});

it("insertStatements: a WITHOUT ROWID table's row is found again by its primary key", () => {
  const [, update] = insertStatements("w", COLUMNS, ["'k''1'", `X'${"00".repeat(60_000)}'`, "NULL"], true);
  expect(update).toMatch(/ WHERE "id" IS 'k''1';$/);
});

it("parseCursor: only what the route gives", () => {
  expect(parseCursor("3.1500")).toEqual({ table: 3, offset: 1500 });
  expect(parseCursor("schema")).toBe("schema");
  for (const bad of ["", "3", "-1.2", "1.2.3", "x.1", "1e3.0"]) expect(parseCursor(bad)).toBeNull();
});

it("insertStatements: a copy's row names its columns, its rowid first, so the rowids the write log names stay", () => {
  const columns = [{ name: "rowid", pk: 0, rowid: true }, ...COLUMNS];
  expect(insertStatements("t", columns, ["4", "7", "X'00'", "NULL"], false)).toEqual([`INSERT INTO "t"("rowid","id","b","t""x") VALUES(4,7,X'00',NULL);`]);
});
