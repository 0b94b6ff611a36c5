// Who may take a worker name (and so the host NAME.<base domain>): not a label the platform
// answers on itself, not one the operator reserved, and not a name another tenant deleted
// within the grace period (OUTPOST_NAME_GRACE_DAYS), whose users may still be sending requests.
import { database } from "../db/client.ts";
import type { Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { STORAGE_HOST_LABEL } from "../dispatch/routes.ts";

export const NAME_HELD = "ERR_CONFLICT: worker name held";

const HELD_BY_OTHERS = "SELECT 1 FROM name_holds WHERE name = $1 AND tenant <> $2 AND released_at > now() - make_interval(days => $3::int)";

export function refuseReservedName(env: Env, worker: string): void {
  if (worker === STORAGE_HOST_LABEL) {
    throw new PlatformError("ERR_BAD_REQUEST", 400, `The worker name ${worker} is reserved: ${worker}.<base domain> serves presigned URLs.`);
  }
  if (env.CONFIG.reservedNames.includes(worker)) {
    throw new PlatformError("ERR_BAD_REQUEST", 400, `The worker name ${worker} is reserved by the operator of this platform; choose another name.`);
  }
}

export async function refuseHeldName(env: Env, worker: string, tenant: string): Promise<void> {
  const held = await database(env).query(HELD_BY_OTHERS, [worker, tenant, env.CONFIG.nameGraceDays]);
  if (held.length > 0) throw nameHeld(env, worker);
}

/** In the deploy transaction, after the worker row is written: a delete racing the deploy is seen. */
export function holdCheck(env: Env, worker: string, tenant: string): Statement[] {
  return [
    { text: `SELECT 1 AS free WHERE NOT EXISTS (${HELD_BY_OTHERS})`, params: [worker, tenant, env.CONFIG.nameGraceDays], requireRow: NAME_HELD },
    { text: "DELETE FROM name_holds WHERE name = $1", params: [worker] },
  ];
}

/** In the delete transaction. */
export function holdName(worker: string, tenant: string): Statement {
  return {
    text: `INSERT INTO name_holds (name, tenant) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET tenant = excluded.tenant, released_at = now()`,
    params: [worker, tenant],
  };
}

export function nameHeld(env: Env, worker: string): PlatformError {
  const days = env.CONFIG.nameGraceDays;
  return new PlatformError(
    "ERR_CONFLICT",
    409,
    `The worker name ${worker} was deleted recently and stays with its previous owner for ${days} day${days === 1 ? "" : "s"}; choose another name.`,
  );
}
