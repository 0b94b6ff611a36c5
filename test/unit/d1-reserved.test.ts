// namesReserved(): tenant SQL that could name one of Outpost's own objects in a database (the write
// log's `_outpost_…` table, view and triggers) is refused, in every spelling SQLite reads as a name;
// SQL that only mentions the prefix inside a longer word, or in a comment, runs.
import { expect, it } from "vitest";
import { namesReserved, tokens } from "../../runner/d1/reserved.ts";

const OBJECTS = ["_outpost_log", "_outpost_mark", "_outpost_on_insert_t"];

it("namesReserved: each object named bare, in each kind of quotes, in any case, or qualified by its schema", () => {
  for (const name of OBJECTS) {
    const spellings = [
      name,
      `"${name}"`,
      `\`${name}\``,
      `[${name}]`,
      `'${name}'`,
      name.toUpperCase(),
      `"${name.toUpperCase()}"`,
      `main.${name}`,
      `main."${name}"`,
    ];
    for (const spelling of spellings) {
      for (const sql of [
        `SELECT * FROM ${spelling}`,
        `INSERT INTO ${spelling} VALUES (1)`,
        `DELETE FROM ${spelling}`,
        `DROP TABLE ${spelling}`,
        `DROP TRIGGER ${spelling}`,
        `ALTER TABLE ${spelling} RENAME TO x`,
        `CREATE TRIGGER x AFTER INSERT ON ${spelling} BEGIN SELECT 1; END`,
        `CREATE VIEW v AS SELECT * FROM ${spelling}`,
        `SELECT * FROM pragma_table_info(${spelling})`,
      ]) {
        expect(namesReserved(sql), sql).toBe(true);
      }
    }
  }
});

it("namesReserved: a tenant object named with the prefix, and the prefix after a comment or across lines", () => {
  for (const sql of [
    "CREATE TABLE _outpost_x (a)",
    "CREATE TABLE _Outpost_X (a)",
    'CREATE INDEX "_outpost_i" ON t (a)',
    "CREATE VIEW [_outpost_v] AS SELECT 1",
    "SELECT * FROM /* a comment */ _outpost_log",
    "SELECT 1 -- first line\nFROM _outpost_log",
    "SELECT * FROM main . _outpost_log",
    "SELECT * FROM t WHERE a = '_outpost_log'",
    "SELECT '_outpost_'",
    // Two names to SQLite (table `_outpost_`, alias `log`), never the log: refused all the same, `_outpost_` being one.
    "SELECT * FROM _outpost_/**/log",
    // Unclosed quotes and comments are read to the end: the name is still found or SQLite refuses the text.
    'SELECT * FROM "_outpost_log',
    "SELECT * FROM [_outpost_log",
  ]) {
    expect(namesReserved(sql), sql).toBe(true);
  }
});

it("namesReserved: the prefix inside a longer word, without its last underscore, or in a comment, is no name of Outpost's", () => {
  for (const sql of [
    "SELECT '_outpost' ",
    "SELECT x_outpost_y FROM t",
    "CREATE TABLE my_outpost_log (a)",
    "SELECT 1 -- _outpost_log",
    "SELECT 1 /* _outpost_log */",
    "SELECT 1 /* _outpost_log",
    "SELECT 'outpost_log', \"outpost\"",
  ]) {
    expect(namesReserved(sql), sql).toBe(false);
  }
});

it("tokens: words and quoted texts in order, comments skipped, a doubled quote read as two texts", () => {
  expect([...tokens("SELECT \"a b\", [c] -- d\nFROM 't''s' /* e */ WHERE x1 = `y`")]).toEqual([
    { text: "SELECT", quoted: false },
    { text: "a b", quoted: true },
    { text: "c", quoted: true },
    { text: "FROM", quoted: false },
    { text: "t", quoted: true },
    { text: "s", quoted: true },
    { text: "WHERE", quoted: false },
    { text: "x1", quoted: false },
    { text: "y", quoted: true },
  ]);
});
