// The audit log (table audit_log): written by the admin API's audit middleware and by the
// authentication check, read by operators and, for their own tokens' entries, by tenants.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { Scope } from "./scope.ts";
import { errorText, log } from "../logs/log.ts";

export interface AuditEntry {
  /** Who: the scope of the token used, or null for a failed authentication. */
  scope: Scope | null;
  client: string;
  action: string;
  target: string;
  /** The tenant acted on; null when platform-wide. */
  tenant: string | null;
  status: number;
}

/**
 * Writes an entry. A failed write is logged, not thrown: the change it records is already done,
 * and its caller should get that answer, not a 500.
 */
export async function recordAudit(env: Env, entry: AuditEntry): Promise<void> {
  const actorName = entry.scope === null ? "unauthenticated" : (entry.scope.token?.name ?? "operator");
  try {
    await database(env).query(
      `INSERT INTO audit_log (actor_token, actor_name, actor_tenant, client, action, target, tenant, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [entry.scope?.token?.id ?? null, actorName, entry.scope?.tenant ?? null, entry.client, entry.action, entry.target, entry.tenant, entry.status],
    );
  } catch (error) {
    log.error("audit log write failed", { error: errorText(error) });
  }
}

export interface AuditQuery {
  /** Operators: entries acting on this tenant. */
  tenant?: string | undefined;
  /** Tenant tokens: entries made by this tenant's tokens (nothing else). */
  actorTenant?: string | undefined;
  /** Entries older than this id (the `next` of the previous page). */
  before?: string | undefined;
  limit: number;
}

/** Entries newest first, with the cursor of the next page (null on the last). */
export async function readAudit(env: Env, query: AuditQuery) {
  const rows = await database(env).query<{
    id: string;
    at: string;
    actor_token: string | null;
    actor_name: string;
    actor_tenant: string | null;
    client: string;
    action: string;
    target: string;
    tenant: string | null;
    status: number;
  }>(
    `SELECT id::text AS id, at::text AS at, actor_token, actor_name, actor_tenant, client, action, target, tenant, status
       FROM audit_log
      WHERE ($1::text IS NULL OR tenant = $1)
        AND ($2::text IS NULL OR actor_tenant = $2)
        AND ($3::bigint IS NULL OR id < $3)
      ORDER BY audit_log.id DESC
      LIMIT $4`,
    [query.tenant ?? null, query.actorTenant ?? null, query.before ?? null, query.limit],
  );
  const entries = rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: { token: row.actor_token, name: row.actor_name, tenant: row.actor_tenant },
    client: row.client,
    action: row.action,
    target: row.target,
    tenant: row.tenant,
    status: Number(row.status),
  }));
  return { entries, next: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null };
}
