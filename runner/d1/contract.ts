// The D1 binding's RPC contract: the props the loader mints, the values that cross the wire, the
// methods of the runner's D1 entrypoint (entrypoint.ts) that the shim (shims/d1.ts) calls, and
// those of the database's object (object.ts) that the entrypoint and the admin API reach through
// owner.ts. Types only: the shim imports it with `import type`, so nothing here reaches the tenant
// bundle.

import type { LogMark, LogRow } from "../owners/log-rows.ts";
import type { Invocation } from "../logs/journal.ts";

/** Minted by the loader for one binding of one version; tenant code cannot change it. */
export interface D1Props {
  tenant: string;
  worker: string;
  binding: string;
  /** The database's id (d1_databases.id): the name of its object. */
  databaseId: string;
  /**
   * The version whose calls these are: a database's owner in another process journals a forwarded
   * call as it, so a query that stalls the owner is blamed on its worker. None for the admin API's.
   */
  invocation?: Invocation;
}

/**
 * A bound value as SQLite takes it: the shim has already applied D1's type rules (booleans are
 * 1 and 0, buffers and views are bytes, a number that is not finite is null).
 */
export type D1Value = number | string | null | Uint8Array;

export interface D1Query {
  sql: string;
  params: D1Value[];
}

/** `meta` of each statement's result, the fields Miniflare's D1 reports (a type, not an interface: workers-types wants it indexable). */
export type D1Meta = {
  served_by: string;
  duration: number;
  changes: number;
  last_row_id: number;
  changed_db: boolean;
  size_after: number;
  rows_read: number;
  rows_written: number;
};

/** One statement's result; a BLOB cell is bytes, which the shim turns into an array of numbers as D1 does. */
export interface D1StatementResult {
  columns: string[];
  rows: D1Value[][];
  meta: D1Meta;
}

/**
 * The outcome of a call: every statement's result and, when asked for, the database's bookmark
 * after it; or the error SQLite (or D1's limits) gave, worded as D1 words it without the
 * "D1_ERROR: " prefix.
 * `index` is the statement that failed, counted in the queries as sent (exec() names its line).
 * A refused call changed nothing: the statements run in one transaction.
 */
export type D1Answer = { ok: true; results: D1StatementResult[]; bookmark: string | null } | { ok: false; error: string; index: number };

/**
 * What a call asks for besides results. Reading the bookmark costs the object about 2.5 ms a call
 * (measured; a point select takes 0.2 ms), so only sessions (withSession) ask for one.
 */
export interface D1QueryOptions {
  bookmark?: boolean;
  /**
   * The size in bytes the call may leave the database at (its tenant's d1_bytes quota less its
   * other databases, runner/d1/size.ts): a call that grows it past this is refused as D1 refuses
   * a write to a full database, and changes nothing. Calls that do not grow it always pass.
   */
  maxSize?: number;
}

/**
 * The D1 entrypoint's RPC methods, as function-typed properties so parameters are checked in both
 * directions.
 */
export interface D1Runner {
  /**
   * Runs the statements in order in one transaction (prepare() sends one, batch() several, exec()
   * one per line). Statements that are only whitespace and comments are left out of the results.
   */
  query: (queries: D1Query[], options?: D1QueryOptions) => Promise<D1Answer>;
}

/** A database's object as the entrypoint and the admin API call it (owner.ts hands one out). */
export interface D1ObjectStub {
  query: (queries: D1Query[], options?: D1QueryOptions) => Promise<D1Answer>;
  /** Drops every table, index, view and trigger: the database is empty afterwards (its delete). */
  erase: () => Promise<void>;
}

/** A row of a database's write log (runner/d1/write-log.ts), in the placement layer's shape. */
export type { LogMark, LogRow };

/**
 * A database's copies and write log in the blob store (runner/owners/snapshots.ts, logs.ts),
 * called by its owner only, never forwarded.
 */
export interface D1ObjectCopies {
  /**
   * Writes the whole database as statements (export.ts) into a staging table while no other call
   * runs on it (runner/d1/staging.ts); answers the seq of its write log's newest row then (0: none).
   */
  snapshot: () => Promise<{ position: number }>;
  /** The staged copy's statements after the `after`th, about `maxBytes` of them; `next` null: the last piece. */
  copyPiece: (after: number, maxBytes: number) => Promise<{ statements: string[]; next: number | null }>;
  /** The staged copy is read: its table is emptied. */
  copyTaken: () => Promise<void>;
  /** Stages a piece of a restore: a copy's statements, then the log rows after it (`first`: the staging starts again). */
  stageRestore: (first: boolean, statements: string[], log: LogRow[]) => Promise<void>;
  /** Replaces everything in the database by what was staged, in one transaction; answers the mark's seq. */
  restore: (mark: LogMark) => Promise<number>;
  /** The log's rows after `seq`, about `maxBytes` of values at most (at least one row). */
  logAfter: (seq: number, maxBytes: number) => Promise<LogRow[]>;
  /** Forgets the log's rows before `seq` (shipped). */
  trimLog: (seq: number) => Promise<void>;
  /** The log's newest row: the database's current commit. */
  position: () => Promise<{ seq: number; at: number | null }>;
}
