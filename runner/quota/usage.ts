import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { QUOTA_NAMES, QUOTA_RESOURCES, type QuotaResource } from "./resources.ts";
import { QUOTA_SQL } from "./sql.ts";

export interface ResourceUsage {
  resource: QuotaResource;
  unit: string;
  used: number;
  /** null: no limit (a resource whose default the platform has not written yet). */
  quota: number | null;
  /** true when an operator set this tenant's quota; false: the default applies. */
  overridden: boolean;
}

/** What the tenant uses of each quota, and its quota. */
export async function tenantUsage(env: Env, tenant: string): Promise<{ tenant: string; usage: ResourceUsage[] }> {
  const db = database(env);
  const [exists] = await db.query(QUOTA_SQL.tenantExists, [tenant]);
  if (!exists) throw new PlatformError("ERR_NOT_FOUND", 404, `No tenant named ${tenant}.`);
  const rows = await db.query(QUOTA_SQL.usage, [tenant, QUOTA_NAMES]);
  const usage = rows.map((row) => {
    const resource = row.resource as QuotaResource;
    return {
      resource,
      unit: QUOTA_RESOURCES[resource].unit,
      used: Number(row.used),
      quota: row.quota === null ? null : Number(row.quota),
      overridden: row.overridden,
    };
  });
  return { tenant, usage };
}

/**
 * Sets the tenant's quotas: a number overrides the default, null returns to it. `replace`
 * (PUT) first drops every override not given. A quota below what the tenant uses now refuses
 * further growth only: nothing stored is deleted.
 */
export async function setQuotas(env: Env, tenant: string, quotas: Partial<Record<string, number | null | undefined>>, replace: boolean): Promise<void> {
  const entries = Object.entries(quotas).filter((entry): entry is [string, number | null] => entry[1] !== undefined);
  const set = entries.filter((entry): entry is [string, number] => entry[1] !== null);
  const cleared = entries.filter(([, value]) => value === null).map(([resource]) => resource);
  await database(env).transaction([
    { text: QUOTA_SQL.createTenant, params: [tenant] },
    { text: QUOTA_SQL.clearQuotas, params: [tenant, replace ? null : cleared] },
    { text: QUOTA_SQL.setQuotas, params: [tenant, set.map(([resource]) => resource), set.map(([, value]) => String(value))] },
  ]);
}
