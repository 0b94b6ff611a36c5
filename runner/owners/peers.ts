// The private addresses of the processes that own objects, on any host: tenant egress refuses them
// even when an operator's allow-list names them (egress/policy.ts). Read at most every few seconds,
// the stale set served meanwhile, so a tenant's fetch() waits on Postgres only in a fresh process.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { OWNER_SQL } from "./sql.ts";

const FRESH_MS = 5000;
let known: { addresses: ReadonlySet<string>; at: number } | null = null;
let refreshing = false;

async function load(env: Env): Promise<ReadonlySet<string>> {
  const rows = await database(env).query(OWNER_SQL.addresses);
  known = { addresses: new Set(rows.map((row) => row.address)), at: Date.now() };
  return known.addresses;
}

export async function peerAddresses(env: Env, ctx: Pick<ExecutionContext, "waitUntil">): Promise<ReadonlySet<string>> {
  if (!known) return load(env);
  if (Date.now() - known.at > FRESH_MS && !refreshing) {
    refreshing = true;
    ctx.waitUntil(load(env).finally(() => (refreshing = false)));
  }
  return known.addresses;
}
