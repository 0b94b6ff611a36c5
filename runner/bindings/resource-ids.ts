import { database, type Sql } from "../db/client.ts";
import type { Env } from "../env.ts";

/**
 * The ids of a tenant's resources (KV namespaces, R2 buckets) by name, read with `statement`
 * ($1 the tenant, $2 the names; rows with `id` and `name`). The deploy created every resource its
 * version names, so a missing one is the platform's fault, never the tenant's.
 */
export async function resourceIds(
  env: Env,
  statement: Sql<{ id: string; name: string }>,
  tenant: string,
  names: string[],
  what: string,
): Promise<(name: string) => string> {
  const rows = names.length === 0 ? [] : await database(env).query(statement, [tenant, names]);
  const ids = new Map(rows.map((row) => [row.name, row.id]));
  return (name) => {
    const id = ids.get(name);
    if (!id) throw new Error(`${what} ${name} of tenant ${tenant} is missing`);
    return id;
  };
}
