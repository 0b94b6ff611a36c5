import { expect, it } from "vitest";
import { splitStatements } from "../../runner/d1/statements.ts";

it("splitStatements: statements end at ';', trimmed, empty ones dropped", () => {
  expect(splitStatements("SELECT 1; SELECT 2;\n\n;  SELECT 3")).toEqual(["SELECT 1", "SELECT 2", "SELECT 3"]);
  expect(splitStatements("")).toEqual([]);
  expect(splitStatements(" ;\n; ")).toEqual([]);
});

it("splitStatements: a ';' inside quotes or brackets does not end a statement", () => {
  expect(splitStatements(`INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT "x;y", \`z;\`, [w;] FROM t`)).toEqual([
    "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
    'SELECT "x;y", `z;`, [w;] FROM t',
  ]);
});

it("splitStatements: comments keep their ';' and go with the next statement; comment-only text is no statement", () => {
  expect(splitStatements("-- first; still a comment\nSELECT 1; /* a; b */ SELECT 2; -- trailing; comment")).toEqual([
    "-- first; still a comment\nSELECT 1",
    "/* a; b */ SELECT 2",
  ]);
});

it("splitStatements: a trigger's body (with CASE … END inside) is one statement", () => {
  const trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (new.id);\n  UPDATE c SET n = CASE WHEN n > 1 THEN 0 END;\nEND";
  expect(splitStatements(`${trigger};\nSELECT 1`)).toEqual([trigger, "SELECT 1"]);
  expect(splitStatements(`-- audit\n${trigger}; SELECT 2`)).toEqual([`-- audit\n${trigger}`, "SELECT 2"]);
});

it("splitStatements: BEGIN and END outside a trigger are statements of their own", () => {
  expect(splitStatements("BEGIN TRANSACTION; SELECT 1; END TRANSACTION;")).toEqual(["BEGIN TRANSACTION", "SELECT 1", "END TRANSACTION"]);
});
