// Every statement of the quota admin routes and the deploy counter. Usage and limits are the
// SQL functions of migration 0015 (quota_used, quota_limit), which the storage triggers use too.
import { sql } from "../db/client.ts";

/** `used` and `quota` are bigint: postgres.js returns them as strings; `quota` null: no limit. */
export interface UsageRow {
  resource: string;
  used: string;
  quota: string | null;
  overridden: boolean;
}

export const QUOTA_SQL = {
  tenantExists: sql<{ found: number }>("SELECT 1 AS found FROM tenants WHERE id = $1"),

  // $1 tenant, $2 resource names, in the order given.
  usage: sql<UsageRow>(`SELECT r.resource, quota_used($1, r.resource)::text AS used, quota_limit($1, r.resource)::text AS quota,
            EXISTS (SELECT 1 FROM tenant_quotas q WHERE q.tenant = $1 AND q.resource = r.resource) AS overridden
            FROM unnest($2::text[]) WITH ORDINALITY AS r(resource, ord) ORDER BY r.ord`),

  createTenant: "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING",

  // $2 resources, $3 values (as text: a bigint may exceed what a JS number holds exactly).
  setQuotas: `INSERT INTO tenant_quotas (tenant, resource, value) SELECT $1, * FROM unnest($2::text[], $3::bigint[])
              ON CONFLICT (tenant, resource) DO UPDATE SET value = excluded.value`,

  // $2 resources whose override goes (back to the default); null: every override of the tenant.
  clearQuotas: "DELETE FROM tenant_quotas WHERE tenant = $1 AND ($2::text[] IS NULL OR resource = ANY($2::text[]))",

  // Counts a deploy in the tenant's current calendar minute; refused (and not counted) past the quota.
  countDeploy: `WITH counted AS (
                  INSERT INTO deploy_minutes AS d (tenant, minute, deploys) VALUES ($1, date_trunc('minute', now()), 1)
                  ON CONFLICT (tenant) DO UPDATE
                    SET deploys = CASE WHEN d.minute = excluded.minute THEN d.deploys + 1 ELSE 1 END, minute = excluded.minute
                  RETURNING deploys)
                SELECT quota_check($1, 'deploys_per_minute', deploys, 'deploys') FROM counted`,
};
