// Admin routes for D1 (mounted under /v1), in the shape of Cloudflare's D1 API: databases, SQL
// run on one, and its Time Travel (time-travel.ts). SQL runs through the D1 entrypoint, the code a
// binding runs, so the same limits and D1's wording apply. A tenant token acts on its own tenant's
// databases; operators name one with ?tenant= (default "default"). Another tenant's database is
// answered exactly like a missing one.
import { type Context, Hono } from "hono";
import { z } from "zod/v4";
import type { AdminEnv } from "../admin/auth.ts";
import type { Env } from "../env.ts";
import { readJsonBody } from "../admin/body.ts";
import { parse } from "../admin/parse.ts";
import { runnerExports } from "../bindings/kind.ts";
import { database } from "../db/client.ts";
import { PlatformError } from "../errors.ts";
import { ADMIN_CALLER, adminCalls } from "../limits/admin-calls.ts";
import { errorText, log } from "../logs/log.ts";
import { QUOTA_SQL } from "../quota/sql.ts";
import { DatabaseNameSchema } from "./binding.ts";
import { D1_ERROR, D1_LIMITS } from "./constants.ts";
import type { D1Runner, D1StatementResult } from "./contract.ts";
import { d1Object } from "./owner.ts";
import { rowObjects } from "./rows.ts";
import { type ExportOptions, exportPage, parseCursor } from "./export.ts";
import { type D1DatabaseRow, D1_SQL } from "./sql.ts";
import { splitStatements } from "./statements.ts";
import { timeTravelBookmark, timeTravelRestore } from "./time-travel.ts";
import { parseTimestamp, restoreTarget } from "./time-travel-input.ts";
import { tenantOf } from "../admin/tenant-query.ts";
import { refuseIfBound } from "../admin/bound.ts";

export const d1 = new Hono<AdminEnv>();

export const DatabaseCreateSchema = z.object({ name: DatabaseNameSchema }).strict();

/** `sql` may hold several statements (a file); `params` bind the only one. */
export const QuerySchema = z
  .object({
    sql: z.string().min(1, "sql is empty."),
    params: z.array(z.union([z.number(), z.string(), z.null()])).optional(),
  })
  .strict();

const nameOf = (c: Context<AdminEnv>) => parse(DatabaseNameSchema, c.req.param("database"), "database");

function notFound(name: string): PlatformError {
  return new PlatformError(
    "ERR_NOT_FOUND",
    404,
    `No D1 database named ${name}. See them with \`outpost d1 list\`; create one with \`outpost d1 create ${name}\`.`,
  );
}

async function databaseOf(c: Context<AdminEnv>): Promise<D1DatabaseRow> {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const name = nameOf(c);
  const [row] = await database(c.env).query(D1_SQL.database, [tenant, name]);
  if (!row) throw notFound(name);
  return row;
}

const described = (row: D1DatabaseRow) => ({ name: row.name, tenant: row.tenant, database_id: row.cloudflare_id, created_at: row.created_at });

d1.get("/d1/databases", async (c) => {
  const scope = c.var.scope;
  const requested = c.req.query("tenant");
  const tenant = scope.tenant === null && requested === undefined ? null : tenantOf(scope, requested);
  const rows = await database(c.env).query(D1_SQL.databases, [tenant]);
  return c.json({ databases: rows.map(described) });
});

d1.post("/d1/databases", async (c) => {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const { name } = parse(DatabaseCreateSchema, await readJsonBody(c.req.raw, 4096), "body");
  await database(c.env).query(QUOTA_SQL.createTenant, [tenant]);
  const [row] = await database(c.env).query(D1_SQL.createDatabase, [tenant, name]);
  if (!row) throw new PlatformError("ERR_CONFLICT", 409, `A database with that name already exists: ${name}. List them with \`outpost d1 list\`.`);
  c.set("audit", { tenant });
  return c.json(described(row), 201);
});

/** The database's row, with its size and its tables (the object's own `_cf_` tables and Outpost's `_outpost_` ones left out). */
d1.get("/d1/databases/:database", async (c) => {
  const row = await databaseOf(c);
  const answer = await d1Object(c.env, row.id).query([
    {
      sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE '\\_outpost\\_%' ESCAPE '\\'",
      params: [],
    },
  ]);
  if (!answer.ok) throw new Error(`D1 database ${row.name} of ${row.tenant} answered ${answer.error}`);
  const [result] = answer.results;
  return c.json({ ...described(row), num_tables: result?.rows[0]?.[0], file_size: result?.meta.size_after });
});

/** Deletes the database and empties its object (refused while a stored version binds it). */
d1.delete("/d1/databases/:database", async (c) => {
  const tenant = tenantOf(c.var.scope, c.req.query("tenant"));
  const name = nameOf(c);
  const [row] = await database(c.env).query(D1_SQL.deleteDatabase, [tenant, name]);
  if (!row?.found) throw notFound(name);
  refuseIfBound(`D1 database ${name}`, row.bound_by);
  if (row.gone) await erase(c.env, row.gone, `D1 database ${name} of ${tenant}`);
  return c.body(null, 204);
});

/** Empties a deleted database's object. Its row is gone, so nothing reaches the object again: a failure only leaves its tables taking room. */
async function erase(env: Env, databaseId: string, what: string): Promise<void> {
  try {
    await d1Object(env, databaseId).erase();
  } catch (error) {
    log.error(`${what}: emptying its object failed`, { error: errorText(error) });
  }
}

/**
 * Runs the body's SQL: each statement of it in order, in one transaction, as one call of the
 * binding's batch(). Answers each statement's rows, as Cloudflare's query endpoint does.
 */
d1.post("/d1/databases/:database/query", async (c) => {
  const row = await databaseOf(c);
  const { sql, params = [] } = parse(QuerySchema, await readJsonBody(c.req.raw, D1_LIMITS.MAX_CALL_BYTES), "body");
  const statements = splitStatements(sql);
  if (statements.length === 0) throw new PlatformError("ERR_BAD_REQUEST", 400, `${D1_ERROR}: No SQL statements detected.`);
  if (params.length > 0 && statements.length > 1) throw new PlatformError("ERR_BAD_REQUEST", 400, "params bind one statement; this SQL has several.");
  const answer = await runnerOf(c, row).query(statements.map((statement) => ({ sql: statement, params })));
  if (!answer.ok) {
    const where = statements.length > 1 ? ` (statement ${answer.index + 1}: ${statements[answer.index]?.slice(0, 200)})` : "";
    throw new PlatformError("ERR_BAD_REQUEST", 400, `${D1_ERROR}: ${answer.error}${where}`);
  }
  return c.json({ results: answer.results.map(asRows) });
});

/** The D1 entrypoint a binding of the database calls, counted as the admin API's calls of its tenant. */
function runnerOf(c: Context<AdminEnv>, row: D1DatabaseRow): D1Runner {
  const props = { tenant: row.tenant, worker: ADMIN_CALLER, binding: ADMIN_CALLER, databaseId: row.id };
  return adminCalls<D1Runner>(c.env.CONFIG, row.tenant, runnerExports(c.executionCtx as ExecutionContext).D1({ props }));
}

const flag = z.enum(["true", "false"]).transform((value) => value === "true");

const TableNameSchema = z.string().min(1).max(1000);
const ExportQuerySchema = z
  .object({
    no_data: flag.optional(),
    no_schema: flag.optional(),
    cursor: z.string().max(40).optional(),
  })
  .refine((query) => !(query.no_data && query.no_schema), "You cannot specify both --no-schema and --no-data");

/**
 * One page of the database as SQL (runner/d1/export.ts): `{sql, cursor}`; the next page is asked
 * for with `?cursor=`, the same options and tables (`?table=`, repeated), until `cursor` is null.
 */
d1.get("/d1/databases/:database/export", async (c) => {
  const row = await databaseOf(c);
  const { no_data = false, no_schema = false, cursor: given } = parse(ExportQuerySchema, c.req.query(), "query");
  const tables = (c.req.queries("table") ?? []).map((table) => parse(TableNameSchema, table, "table"));
  const cursor = given === undefined ? null : parseCursor(given);
  if (cursor === null && given !== undefined) throw new PlatformError("ERR_BAD_REQUEST", 400, "cursor is not one this route gave.");
  const options: ExportOptions = { noData: no_data, noSchema: no_schema, tables };
  const runner = runnerOf(c, row);
  const page = await exportPage(
    async (queries) => {
      const answer = await runner.query(queries);
      if (!answer.ok) throw new PlatformError("ERR_BAD_REQUEST", 400, `${D1_ERROR}: ${answer.error}`);
      return answer.results;
    },
    options,
    cursor,
  );
  return c.json(page);
});

/** The bookmark of the database now, or at `?timestamp=` (RFC 3339 or Unix seconds): `{bookmark, at}`. */
d1.get("/d1/databases/:database/time-travel/bookmark", async (c) => {
  const given = c.req.query("timestamp");
  const timestamp = given === undefined ? null : parseTimestamp(given, new Date());
  const row = await databaseOf(c);
  return c.json(await timeTravelBookmark(c.env, row.id, timestamp));
});

const RestoreSchema = z.object({ bookmark: z.string().optional(), timestamp: z.string().optional() }).strict();

/**
 * Restores the database to `?bookmark=` or `?timestamp=`, as Cloudflare's API takes them (or the
 * same in a JSON body): `{bookmark, previous_bookmark, message}`. Bad input is refused before the
 * database is looked up.
 */
d1.post("/d1/databases/:database/time-travel/restore", async (c) => {
  const query = { bookmark: c.req.query("bookmark"), timestamp: c.req.query("timestamp") };
  const body = parse(RestoreSchema, await readJsonBody(c.req.raw, 4096, true), "body");
  const inQuery = query.bookmark !== undefined || query.timestamp !== undefined;
  if (inQuery && Object.keys(body).length > 0)
    throw new PlatformError("ERR_BAD_REQUEST", 400, "Give bookmark or timestamp in the query or in the body, not both.");
  const target = restoreTarget(inQuery ? query : body, new Date());
  const row = await databaseOf(c);
  return c.json(await timeTravelRestore(c.env, row.id, target));
});

/** A statement's result as Cloudflare's API gives it: rows as objects, BLOBs as byte arrays. */
function asRows(result: D1StatementResult) {
  return { results: rowObjects(result), success: true, meta: result.meta };
}
