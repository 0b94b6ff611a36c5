// A D1 database's size against its tenant's d1_bytes quota (migration 0023). Only the database's
// owner sees its file, so the size is recorded in Postgres after each call that changed it, and
// each call carries the size it may grow the database to: the quota less the tenant's other
// databases, as recorded. Reading that for every call would add a Postgres round trip to a point
// select, so a process reads it again at most once a second, in the background: writes to several
// databases of one tenant at once can pass the quota by what the others grew meanwhile (about a
// second, plus a read), one call each more.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "../logs/log.ts";
import { D1_SQL } from "./sql.ts";

const TTL_MS = 1_000;
const MAX_KNOWN = 10_000;
const WRITE_GIVEN_UP_MS = 60_000;

interface Known {
  /** undefined: no quota */
  maxSize: number | undefined;
  /** the size last recorded for the database, by this process or read from Postgres */
  recorded: number;
  /** the newest size a call answered, to be recorded */
  latest: number;
  /**
   * When this process began writing the size (0: not writing): one write at a time, the newest
   * size last. A write older than WRITE_GIVEN_UP_MS is taken as lost with its request.
   */
  writing: number;
  at: number;
}

const known = new Map<string, Known>();

/**
 * The size the database may grow to now; undefined when its tenant has no d1_bytes quota. Only a
 * database's first call here waits for Postgres: after that, a value older than a second is read
 * again through `background` (the call's waitUntil) while the calls go on with it.
 */
export async function sizeLimit(env: Env, tenant: string, databaseId: string, background: (work: Promise<unknown>) => void): Promise<number | undefined> {
  const cached = known.get(databaseId);
  if (!cached) return read(env, tenant, databaseId);
  if (Date.now() - cached.at >= TTL_MS) {
    cached.at = Date.now(); // one read a second, however many calls see the value old
    background(read(env, tenant, databaseId));
  }
  return cached.maxSize;
}

async function read(env: Env, tenant: string, databaseId: string): Promise<number | undefined> {
  try {
    const [row] = await database(env, tenant).query(D1_SQL.sizeAllowance, [tenant, databaseId]);
    const maxSize = row?.quota == null ? undefined : Number(row.quota) - Number(row.others);
    const entry = known.get(databaseId);
    if (entry) Object.assign(entry, { maxSize, at: Date.now() });
    else remember(databaseId, { maxSize, recorded: Number(row?.own ?? 0), latest: Number(row?.own ?? 0), writing: 0, at: Date.now() });
    return maxSize;
  } catch (error) {
    // The quota is not a reason to refuse a database's calls while Postgres cannot say it.
    log.warn("could not read a tenant's d1_bytes quota; its database's growth is not limited meanwhile", { tenant, error: errorText(error) });
    return known.get(databaseId)?.maxSize;
  }
}

/**
 * Records the database's size after a call, when it differs from the one recorded. Writes are one
 * at a time per database, each of the newest size, through `background`: a burst of growing
 * inserts costs a write or two, and an older size never lands after a newer one.
 */
export function recordSize(env: Env, tenant: string, databaseId: string, size: number, background: (work: Promise<unknown>) => void): void {
  const entry = known.get(databaseId);
  if (!entry) return;
  entry.latest = size;
  if (Date.now() - entry.writing < WRITE_GIVEN_UP_MS || entry.recorded === size) return;
  entry.writing = Date.now();
  background(write(env, tenant, databaseId, entry));
}

async function write(env: Env, tenant: string, databaseId: string, entry: Known): Promise<void> {
  try {
    while (entry.latest !== entry.recorded) {
      const size = entry.latest;
      await database(env, tenant).query(D1_SQL.recordSize, [tenant, databaseId, size]);
      entry.recorded = size;
    }
  } catch (error) {
    log.warn("could not record a D1 database's size; the next call that changes it records it", { tenant, error: errorText(error) });
  } finally {
    entry.writing = 0;
  }
}

function remember(databaseId: string, entry: Known): void {
  known.set(databaseId, entry);
  if (known.size > MAX_KNOWN) known.delete(known.keys().next().value as string);
}
