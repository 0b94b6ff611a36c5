// Every Postgres statement of the D1 binding: the rows naming each tenant's databases. A database
// is (tenant, name); its `id` names its object (owner.ts), fresh for every database created, so a
// database deleted and created again never finds the old one's tables. $1 is always the tenant.
import { sql } from "../db/client.ts";

export interface D1DatabaseRow {
  id: string;
  name: string;
  tenant: string;
  /** wrangler's `database_id`, recorded as the first deploy or create gave it */
  cloudflare_id: string | null;
  created_at: string;
}

export const D1_SQL = {
  /**
   * A deploy creates the databases its version names ($2 names, $3 their wrangler ids, in order);
   * an id given later is recorded where none was. Two bindings may name one database: one row each.
   */
  createDatabases: `INSERT INTO d1_databases (tenant, name, cloudflare_id)
          SELECT DISTINCT ON (n) $1, n, i FROM unnest($2::text[], $3::text[]) AS t(n, i) ORDER BY n, i NULLS LAST
          ON CONFLICT (tenant, name) DO UPDATE SET cloudflare_id = excluded.cloudflare_id
            WHERE d1_databases.cloudflare_id IS NULL AND excluded.cloudflare_id IS NOT NULL`,

  databaseIds: sql<{ id: string; name: string }>("SELECT id::text AS id, name FROM d1_databases WHERE tenant = $1 AND name = ANY($2::text[])"),

  /** The admin API's databases ($1 tenant, or null for every tenant's). */
  databases: sql<D1DatabaseRow>(
    "SELECT id::text AS id, name, tenant, cloudflare_id, created_at FROM d1_databases WHERE $1::text IS NULL OR tenant = $1 ORDER BY tenant, name",
  ),

  database: sql<D1DatabaseRow>("SELECT id::text AS id, name, tenant, cloudflare_id, created_at FROM d1_databases WHERE tenant = $1 AND name = $2"),

  /** No row: the tenant has a database of that name already. */
  createDatabase: sql<D1DatabaseRow>(`INSERT INTO d1_databases (tenant, name) VALUES ($1, $2) ON CONFLICT DO NOTHING
          RETURNING id::text AS id, name, tenant, cloudflare_id, created_at`),

  // A database a stored version binds stays: its worker could not load without it. `gone` is the
  // id of the database deleted, whose object the caller then empties.
  deleteDatabase: sql<{
    found: boolean;
    bound_by: string | null;
    gone: string | null;
  }>(`WITH target AS (SELECT id FROM d1_databases WHERE tenant = $1 AND name = $2),
            bound AS (SELECT worker FROM versions WHERE tenant = $1 AND EXISTS (SELECT 1 FROM jsonb_each_text(bindings->'d1') b WHERE b.value = $2) LIMIT 1),
            gone AS (DELETE FROM d1_databases WHERE id IN (SELECT id FROM target) AND NOT EXISTS (SELECT 1 FROM bound) RETURNING id)
          SELECT EXISTS (SELECT 1 FROM target) AS found, (SELECT worker FROM bound) AS bound_by, (SELECT id::text FROM gone) AS gone`),

  /**
   * What size.ts needs to bound a database's growth: the tenant's d1_bytes quota (null: none), the
   * recorded sizes of its other databases together, and this one's ($2).
   */
  sizeAllowance: sql<{ quota: string | null; others: string; own: string }>(
    `SELECT quota_limit($1, 'd1_bytes')::text AS quota, coalesce(sum(size_bytes) FILTER (WHERE id <> $2::uuid), 0)::text AS others,
            coalesce(max(size_bytes) FILTER (WHERE id = $2::uuid), 0)::text AS own FROM d1_databases WHERE tenant = $1`,
  ),

  recordSize: "UPDATE d1_databases SET size_bytes = $3 WHERE tenant = $1 AND id = $2::uuid",

  /** The tenants whose databases' history (history-quota.ts) is over their d1_history_bytes quota. */
  historyOverQuota: sql<{ tenant: string }>(`SELECT tenant FROM (SELECT DISTINCT tenant FROM d1_databases) t
      WHERE quota_used(tenant, 'd1_history_bytes') > quota_limit(tenant, 'd1_history_bytes')`),

  /**
   * Forgets the oldest stretch of tenant $1's D1 history: its oldest kept copy and the log segments
   * before the next copy of that database (a kept one, or its newest), their blobs due for
   * collection. No row: nothing left to forget. `still_over`: as the tenant's usage stood before.
   */
  forgetOldestHistory: sql<{ still_over: boolean }>(`WITH oldest AS (
        SELECT h.kind, h.object_id, h.position, h.blob, h.size_bytes FROM object_history h JOIN d1_databases d ON h.kind = 'd1' AND h.object_id = d.id::text
        WHERE d.tenant = $1 ORDER BY h.taken_at, h.position LIMIT 1),
      next AS (
        SELECT min(b.position) AS position FROM oldest o, LATERAL (
          SELECT position FROM object_history WHERE kind = o.kind AND object_id = o.object_id AND position > o.position
          UNION ALL SELECT position FROM object_snapshots WHERE kind = o.kind AND object_id = o.object_id AND position > o.position) b),
      gone_copy AS (DELETE FROM object_history h USING oldest o WHERE h.kind = o.kind AND h.object_id = o.object_id AND h.position = o.position RETURNING h.blob, h.size_bytes),
      gone_segments AS (
        DELETE FROM object_log_segments s USING oldest o, next n WHERE s.kind = o.kind AND s.object_id = o.object_id AND s.last_seq <= n.position
        RETURNING s.blob, s.size_bytes),
      freed AS (
        INSERT INTO r2_garbage (blob) SELECT blob FROM gone_copy WHERE blob IS NOT NULL UNION ALL SELECT blob FROM gone_segments
        ON CONFLICT (blob) DO UPDATE SET collect_after = least(r2_garbage.collect_after, excluded.collect_after))
      SELECT quota_used($1, 'd1_history_bytes') - coalesce((SELECT sum(size_bytes) FROM gone_copy), 0) - coalesce((SELECT sum(size_bytes) FROM gone_segments), 0)
               > quota_limit($1, 'd1_history_bytes') AS still_over
      FROM oldest`),
};
