// A D1 database's size against its tenant's d1_bytes quota (migration 0023). Only the database's
// owner sees its file, so the size is recorded in Postgres after each call that changed it, and
// each call carries the size it may grow the database to: the quota less the tenant's other
// databases, as recorded. Reading that for every call would add a Postgres round trip to a point
// select, so a process keeps it for a second: writes to several databases of one tenant at once
// can pass the quota by what the others grew within that second, plus one call each.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "../logs/log.ts";
import { D1_SQL } from "./sql.ts";

const TTL_MS = 1_000;
const MAX_KNOWN = 10_000;

interface Known {
  /** undefined: no quota */
  maxSize: number | undefined;
  /** the size last recorded for the database, by this process or read from Postgres */
  recorded: number;
  at: number;
}

const known = new Map<string, Known>();

/** The size the database may grow to now; undefined when its tenant has no d1_bytes quota. */
export async function sizeLimit(env: Env, tenant: string, databaseId: string): Promise<number | undefined> {
  const cached = known.get(databaseId);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.maxSize;
  try {
    const [row] = await database(env, tenant).query(D1_SQL.sizeAllowance, [tenant, databaseId]);
    const maxSize = row?.quota == null ? undefined : Number(row.quota) - Number(row.others);
    remember(databaseId, { maxSize, recorded: Number(row?.own ?? 0), at: Date.now() });
    return maxSize;
  } catch (error) {
    // The quota is not a reason to refuse a database's calls while Postgres cannot say it.
    log.warn("could not read a tenant's d1_bytes quota; its database's growth is not limited meanwhile", { tenant, error: errorText(error) });
    return cached?.maxSize;
  }
}

/** Records the database's size after a call, when it differs from the last recorded. */
export async function recordSize(env: Env, tenant: string, databaseId: string, size: number): Promise<void> {
  const cached = known.get(databaseId);
  if (cached?.recorded === size) return;
  if (cached) cached.recorded = size;
  await database(env, tenant).query(D1_SQL.recordSize, [tenant, databaseId, size]);
}

function remember(databaseId: string, entry: Known): void {
  known.delete(databaseId);
  known.set(databaseId, entry);
  if (known.size > MAX_KNOWN) known.delete(known.keys().next().value as string);
}
