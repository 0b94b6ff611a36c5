// The platform log: one JSON object per line on stdout, written only here. Strings are escaped
// (no control character, newline, terminal escape or bidi override reaches the terminal) and cut
// to size, so no text inside a line, a tenant's least of all, can pass for a line of its own.

/** Characters kept of one string field. */
export const MAX_FIELD_CHARS = 4096;

/** What JSON.stringify leaves raw but a terminal or a log viewer acts on: C1 controls, DEL, zero-width and bidi marks, line separators. */
const UNSAFE_CHARACTERS = /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/**
 * @param {Record<string, unknown>} entry
 * @returns {string} one line, without its newline
 */
export function jsonLine(entry) {
  const text = JSON.stringify(entry, (_key, value) => (typeof value === "string" ? cut(value) : value));
  return text.replace(UNSAFE_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** @param {string} text @param {number} [max] */
export function cut(text, max = MAX_FIELD_CHARS) {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more characters cut]`;
}

/** @typedef {"debug" | "info" | "warn" | "error"} Level */

/**
 * The CLI's own lines (`src: "outpost"`), and `write` for lines it passes on from workerd.
 * @param {(line: string) => void} [out]
 */
export function createLogger(out = (line) => process.stdout.write(`${line}\n`)) {
  /** @param {Record<string, unknown>} entry */
  const write = (entry) => out(jsonLine({ time: new Date().toISOString(), ...entry }));
  /** @param {Level} level */
  const at =
    (level) =>
    (/** @type {string} */ msg, /** @type {Record<string, unknown>} */ fields = {}) =>
      write({ level, src: "outpost", msg, ...fields });
  return { write, info: at("info"), warn: at("warn"), error: at("error") };
}

/** @typedef {ReturnType<typeof createLogger>} Logger */
