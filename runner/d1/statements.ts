// A SQL file or command split into statements, as `outpost d1 execute` sends them to one batch:
// each statement is then under D1's statement length limit and has its own result, as with
// wrangler's execute. A `;` ends a statement except inside quotes ('…', "…", `…`, […]),
// comments (-- and /* */) and a trigger's BEGIN … END body.

/** The statements of `text`, each trimmed and without its `;`; comments stay with the statement they precede. */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  let first: string | null = null;
  let trigger = false;
  let depth = 0;
  const word = /[A-Za-z_][A-Za-z0-9_$]*/y;
  while (i < text.length) {
    const char = text[i]!;
    if (char === "'" || char === '"' || char === "`" || char === "[") {
      const close = text.indexOf(char === "[" ? "]" : char, i + 1);
      i = close === -1 ? text.length : close + 1;
    } else if (text.startsWith("--", i)) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (/[A-Za-z_]/.test(char)) {
      word.lastIndex = i;
      const name = word.exec(text)![0].toUpperCase();
      first ??= name;
      if (name === "TRIGGER" && first === "CREATE") trigger = true;
      else if (trigger && (name === "BEGIN" || name === "CASE")) depth++;
      else if (trigger && name === "END") depth--;
      i += name.length;
    } else if (char === ";" && depth <= 0) {
      push(statements, text.slice(start, i));
      [start, first, trigger, depth] = [i + 1, null, false, 0];
      i++;
    } else {
      i++;
    }
  }
  push(statements, text.slice(start));
  return statements;
}

function push(statements: string[], statement: string): void {
  const trimmed = statement.trim();
  if (trimmed !== "" && !onlyComments(trimmed)) statements.push(trimmed);
}

function onlyComments(text: string): boolean {
  return text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, "").trim() === "";
}
