// Tenant SQL may not name Outpost's own objects in a database (the write log's table, view and
// triggers, `_outpost_…`), as workerd refuses `_cf_` names: a name is any word or quoted text
// ("…", `…`, […], and '…' too, which SQLite takes as a name where one is expected) outside
// comments. So a string literal that starts with `_outpost_` is refused as well: bind it instead.
import { OWN_PREFIX } from "./constants.ts";

const WORD = /[A-Za-z0-9_$]+/y;

/** A word of SQL outside comments, or the text inside quotes of any kind (`quoted`). */
export interface Token {
  text: string;
  quoted: boolean;
}

/** The words and quoted texts of `sql`, in order, comments skipped. */
export function* tokens(sql: string): Generator<Token> {
  for (let i = 0; i < sql.length;) {
    const char = sql[i]!;
    if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (char === "'" || char === '"' || char === "`" || char === "[") {
      const close = sql.indexOf(char === "[" ? "]" : char, i + 1);
      const end = close === -1 ? sql.length : close;
      yield { text: sql.slice(i + 1, end), quoted: true };
      i = end + 1;
    } else if (/[A-Za-z0-9_$]/.test(char)) {
      WORD.lastIndex = i;
      const word = WORD.exec(sql)![0];
      yield { text: word, quoted: false };
      i += word.length;
    } else {
      i++;
    }
  }
}

/** Whether `sql` names an `_outpost_…` object. */
export function namesReserved(sql: string): boolean {
  if (!sql.toLowerCase().includes(OWN_PREFIX)) return false;
  for (const token of tokens(sql)) if (token.text.toLowerCase().startsWith(OWN_PREFIX)) return true;
  return false;
}
