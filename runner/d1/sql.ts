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
   * an id given later is recorded where none was.
   */
  createDatabases: `INSERT INTO d1_databases (tenant, name, cloudflare_id) SELECT $1, n, i FROM unnest($2::text[], $3::text[]) AS t(n, i)
          ON CONFLICT (tenant, name) DO UPDATE SET cloudflare_id = excluded.cloudflare_id
            WHERE d1_databases.cloudflare_id IS NULL AND excluded.cloudflare_id IS NOT NULL`,

  databaseIds: sql<{ id: string; name: string }>("SELECT id::text AS id, name FROM d1_databases WHERE tenant = $1 AND name = ANY($2::text[])"),
};
