// D1's limits (https://developers.cloudflare.com/d1/platform/limits/). The database's object runs
// statements with workerd's SQLite, which enforces them with D1's messages; the runner checks
// those that bound a call's size before it travels (validate.ts).
export const D1_LIMITS = {
  /** "Maximum bound parameters per query": SQLite's own check ("too many SQL variables") */
  MAX_BOUND_PARAMETERS: 100,
  /** "Maximum columns per table": SQLite's own check */
  MAX_COLUMNS: 100,
  /** "Maximum SQL statement length", in UTF-8 bytes */
  MAX_STATEMENT_BYTES: 100_000,
  /** "Maximum string, BLOB or table row size", in bytes: SQLite's own check ("string or blob too big") */
  MAX_VALUE_BYTES: 2_000_000,
  /**
   * Outpost's own bound on one call (a batch, an exec): statements and bound values together.
   * Cloudflare states none; the runner holds a call in memory, so it has one. 32 MiB is over 300
   * statements of the longest, or 16 values of the largest.
   */
  MAX_CALL_BYTES: 32 * 1024 * 1024,
} as const;

/** D1's prefix of errors from the database (SQLite's, its limits'): "D1_ERROR: no such table: t: SQLITE_ERROR". */
export const D1_ERROR = "D1_ERROR";

/** D1's error for a write to a database at its maximum size, here its tenant's d1_bytes quota. */
export const DATABASE_FULL = "Exceeded maximum DB size";

/** `meta.served_by` of every result (Miniflare says "miniflare.db"). */
export const SERVED_BY = "outpost.db";

/** The prefix of Outpost's own tables, views and triggers in a database (its write log): tenant SQL may not name one, as D1's `_cf_` ones. */
export const OWN_PREFIX = "_outpost_";

/** workerd's answer to SQL that names a reserved (`_cf_`) table, and Outpost's to one that names an `_outpost_` one. */
export const NOT_AUTHORIZED = "not authorized: SQLITE_AUTH";
