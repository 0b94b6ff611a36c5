// D1's limits (https://developers.cloudflare.com/d1/platform/limits/). The database's object runs
// statements with workerd's SQLite, which enforces the same numbers with the same messages; the
// runner checks the ones it can see before a call travels (validate.ts), so an oversized call is
// refused without reaching the object.
export const D1_LIMITS = {
  /** "Maximum bound parameters per query" */
  MAX_BOUND_PARAMETERS: 100,
  /** "Maximum SQL statement length", in UTF-8 bytes */
  MAX_STATEMENT_BYTES: 100_000,
  /** "Maximum string, BLOB or table row size", in bytes */
  MAX_VALUE_BYTES: 2_000_000,
  /**
   * Outpost's own bound on one call (a batch, an exec): statements and values together. Cloudflare
   * states none; the runner holds a call in memory, so it has one. 32 MiB is 16 rows of the
   * largest size, or over 300 statements of the longest.
   */
  MAX_CALL_BYTES: 32 * 1024 * 1024,
} as const;

/** D1's prefix of errors from the database (SQLite's, its limits'): "D1_ERROR: no such table: t: SQLITE_ERROR". */
export const D1_ERROR = "D1_ERROR";

/** `meta.served_by` of every result (Miniflare says "miniflare.db"). */
export const SERVED_BY = "outpost.db";
