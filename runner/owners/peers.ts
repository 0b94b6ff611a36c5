// The private addresses of the processes that own objects, on any host: tenant egress refuses them
// even when an operator's allow-list names them (egress/policy.ts). Read at most every few seconds,
// the stale set served meanwhile, so a tenant's fetch() waits on Postgres only in a fresh process.
import { database } from "../db/client.ts";
import { RefreshingCache } from "../dispatch/refreshing-cache.ts";
import type { Env } from "../env.ts";
import { OWNER_SQL } from "./sql.ts";

const FRESH_MS = 5000;
const cache = new RefreshingCache<ReadonlySet<string>>(FRESH_MS, 1);

export function peerAddresses(env: Env, ctx: Pick<ExecutionContext, "waitUntil">): Promise<ReadonlySet<string>> {
  return cache.get("peers", ctx, async () => new Set((await database(env).query(OWNER_SQL.addresses)).map((row) => row.address)));
}
