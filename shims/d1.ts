// env.DB in tenant isolates: Cloudflare's D1Database over the runner's D1 entrypoint. The classes,
// their names and their results are those of workerd's own D1 binding, which a Worker-Loader
// isolate cannot be given; the wire is the runner's contract instead of D1's HTTP API.
import type { D1Answer, D1Query, D1Runner, D1StatementResult, D1Value } from "../runner/d1/contract.ts";
import { D1_ERROR } from "../runner/d1/constants.ts";
import { cellOf, rowObjects } from "../runner/d1/rows.ts";
import { limitRefusal } from "../runner/d1/validate.ts";

/** A bound value as bind() keeps it (`params`): bytes as an array of numbers, as in workerd. */
type Bound = number | string | null | number[];
type Row = Record<string, unknown>;

/** Constraints withSession() takes instead of a bookmark (D1's read replication). */
const FIRST_PRIMARY = "first-primary";
const FIRST_UNCONSTRAINED = "first-unconstrained";

export class D1Database {
  readonly #runner: D1Runner;
  readonly #primary: D1DatabaseSessionAlwaysPrimary;

  constructor(runner: D1Runner) {
    this.#runner = runner;
    this.#primary = new D1DatabaseSessionAlwaysPrimary(runner);
  }

  prepare(query: string): D1PreparedStatement {
    return this.#primary.prepare(query);
  }

  batch<T = Row>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.#primary.batch<T>(statements);
  }

  exec(query: string): Promise<D1ExecResult> {
    return this.#primary.exec(query);
  }

  /** Every Outpost database has one copy, so any bookmark is satisfied; the session still tracks the newest. */
  withSession(constraintOrBookmark?: string): D1DatabaseSession {
    const given = constraintOrBookmark?.trim();
    return new D1DatabaseSession(this.#runner, given ? given : FIRST_UNCONSTRAINED);
  }

  /** Deprecated by Cloudflare; Miniflare's D1 answers it with this error, and so does Outpost's. */
  async dump(): Promise<ArrayBuffer> {
    throw new Error("D1_DUMP_ERROR: Status + 404", { cause: new Error("Status 404") });
  }
}

export class D1DatabaseSession {
  readonly #runner: D1Runner;
  #bookmarkOrConstraint: string;

  constructor(runner: D1Runner, bookmarkOrConstraint: string) {
    this.#runner = runner;
    this.#bookmarkOrConstraint = bookmarkOrConstraint;
  }

  prepare(query: string): D1PreparedStatement {
    return new D1PreparedStatement(this, String(query), []);
  }

  async batch<T = Row>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const results = await this.send(statements.map((statement) => ({ sql: statement.statement, params: wireParams(statement.params) })));
    return results.map((result) => toResult<T>(result));
  }

  /** The newest bookmark of this session's answers; null before the first (or given only a constraint). */
  getBookmark(): string | null {
    const current = this.#bookmarkOrConstraint;
    return current === FIRST_PRIMARY || current === FIRST_UNCONSTRAINED ? null : current;
  }

  /** @internal The statements' results, or D1's error for the first that failed. */
  async send(queries: D1Query[]): Promise<D1StatementResult[]> {
    const answer = await this.answer(queries);
    if (!answer.ok) throw d1Error(D1_ERROR, answer.error);
    return answer.results;
  }

  /** @internal One call to the database: refused here when over D1's limits, so it never travels. */
  async answer(queries: D1Query[]): Promise<D1Answer> {
    const answer = limitRefusal(queries) ?? (await this.#runner.query(queries, this.wantsBookmark ? { bookmark: true } : {}));
    if (answer.ok && answer.bookmark !== null) this.keepBookmark(answer.bookmark);
    return answer;
  }

  /** @internal Whether calls ask for the bookmark, which costs a wait for the disk. */
  protected get wantsBookmark(): boolean {
    return true;
  }

  /** Keeps the newer of the session's bookmark and `bookmark` (calls of one session may overlap). */
  protected keepBookmark(bookmark: string): void {
    const current = this.getBookmark();
    if (current === null || current.localeCompare(bookmark) < 0) this.#bookmarkOrConstraint = bookmark;
  }
}

/** The session of calls made on the database itself: always the primary, no bookmark. */
export class D1DatabaseSessionAlwaysPrimary extends D1DatabaseSession {
  constructor(runner: D1Runner) {
    super(runner, FIRST_PRIMARY);
  }

  protected override keepBookmark(): void {}

  protected override get wantsBookmark(): boolean {
    return false;
  }

  /** Each line of `query` is one statement; all run in one transaction, so a failed line leaves the database as it was. */
  async exec(query: string): Promise<D1ExecResult> {
    const lines = String(query).trim().split("\n");
    const answer = await this.answer(lines.map((sql) => ({ sql, params: [] })));
    if (!answer.ok) {
      const detail = `Error in line ${answer.index + 1}: ${lines[answer.index]}: ${answer.error}`;
      throw new Error(`D1_EXEC_ERROR: ${detail}`, { cause: new Error(detail) });
    }
    return { count: answer.results.length, duration: answer.results.reduce((total, result) => total + result.meta.duration, 0) };
  }
}

export class D1PreparedStatement {
  readonly #session: D1DatabaseSession;
  readonly statement: string;
  readonly params: Bound[];

  constructor(session: D1DatabaseSession, statement: string, params: Bound[]) {
    this.#session = session;
    this.statement = statement;
    this.params = params;
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new D1PreparedStatement(this.#session, this.statement, values.map(boundValue));
  }

  async first<T = unknown>(column?: string): Promise<T | null> {
    const [row] = toResult<Row>(await this.#one()).results;
    if (row === undefined) return null;
    if (column === undefined) return row as T;
    if (row[column] === undefined) throw d1Error("D1_COLUMN_NOTFOUND", `Column not found (${column})`, "Column not found");
    return row[column] as T;
  }

  async run<T = Row>(): Promise<D1Result<T>> {
    return toResult<T>(await this.#one());
  }

  async all<T = Row>(): Promise<D1Result<T>> {
    return toResult<T>(await this.#one());
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const { columns, rows } = await this.#one();
    const cells = rows.map((row) => row.map(cellOf)) as T[];
    return options?.columnNames ? [columns, ...cells] : cells;
  }

  async #one(): Promise<D1StatementResult> {
    const [result] = await this.#session.send([{ sql: this.statement, params: wireParams(this.params) }]);
    return result!;
  }
}

interface D1Result<T> {
  success: true;
  meta: D1StatementResult["meta"];
  results: T[];
}

interface D1ExecResult {
  count: number;
  duration: number;
}

export function makeD1Binding(runner: D1Runner): D1Database {
  return new D1Database(runner);
}

/** D1's type rules for bind(), with workerd's wording for a value it refuses. */
function boundValue(value: unknown): Bound {
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === null) return null;
  if (typeof value === "object") {
    if (Array.isArray(value) && value.every((byte) => typeof byte === "number" && byte >= 0 && byte < 256)) return value as number[];
    if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  }
  throw d1Error("D1_TYPE_ERROR", `Type '${typeof value}' not supported for value '${String(value)}'`);
}

/** Bound values as SQLite takes them: bytes as bytes, and a number JSON cannot carry (D1's wire is JSON) as null. */
function wireParams(params: Bound[]): D1Value[] {
  return params.map((value) => {
    if (Array.isArray(value)) return Uint8Array.from(value);
    if (typeof value === "number" && !Number.isFinite(value)) return null;
    return value;
  });
}

function toResult<T>(result: D1StatementResult): D1Result<T> {
  return { success: true, meta: result.meta, results: rowObjects(result) as T[] };
}

function d1Error(code: string, detail: string, cause = detail): Error {
  return new Error(`${code}: ${detail}`, { cause: new Error(cause) });
}
