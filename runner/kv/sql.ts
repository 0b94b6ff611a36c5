// Every statement the KV binding runs. `$now` is epoch seconds from the runner's clock; an
// entry whose expiration has passed is invisible to every read at once, the sweep deletes it.
// Every statement that changes an entry notifies the hosts' read caches (cache.ts); so must
// anything else that writes kv_entries. A version is 128 random bits chosen by the runner for
// every write: it says nothing about other writes, and a deleted and recreated key never gets
// one it had before (no ABA).
import { type Row, sql } from "../db/client.ts";
import { KV_CHANNEL } from "./cache.ts";

/** `expiration` is a bigint column: postgres.js returns it as a string of epoch seconds. */
export interface KvEntryRow {
  value: Uint8Array;
  metadata: string | null;
  expiration: string | null;
  version: string;
}
export type KvListRow = Pick<KvEntryRow, "metadata" | "expiration"> & { key: Uint8Array };

const VISIBLE = "(expiration IS NULL OR expiration > $3)";
const NOTIFY = `pg_notify('${KV_CHANNEL}', namespace_id::text || ':' || encode(key, 'hex'))`;

/** Runs a data-changing statement that RETURNs `key`, notifying for each changed row. */
function notifying<R = Row>(statement: string, returning: string) {
  return sql<R>(`WITH changed AS (${statement} RETURNING namespace_id, key${returning ? `, ${returning}` : ""})
          SELECT ${returning ? "changed.version, " : ""}${NOTIFY} FROM changed`);
}

export const KV_SQL = {
  /** A deploy creates the namespaces its version names ($1 tenant, $2 names). */
  createNamespaces: "INSERT INTO kv_namespaces (tenant, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",

  /** The admin API's namespaces ($1 tenant, or null for every tenant's). */
  namespaces: sql<{ name: string; tenant: string; created_at: string }>(
    "SELECT name, tenant, created_at FROM kv_namespaces WHERE $1::text IS NULL OR tenant = $1 ORDER BY tenant, name",
  ),

  /** No row: the tenant has a namespace of that name already. */
  createNamespace: sql<{ name: string }>("INSERT INTO kv_namespaces (tenant, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING name"),

  // A namespace a stored version binds stays: its worker could not load without it. Its entries
  // go with it (ON DELETE CASCADE) without NOTIFY: no binding can reach the namespace any more.
  deleteNamespace: sql<{ found: boolean; bound_by: string | null }>(`WITH namespace AS (SELECT id FROM kv_namespaces WHERE tenant = $1 AND name = $2),
            bound AS (SELECT worker FROM versions WHERE tenant = $1 AND EXISTS (SELECT 1 FROM jsonb_each_text(bindings->'kv') b WHERE b.value = $2) LIMIT 1),
            gone AS (DELETE FROM kv_namespaces WHERE id IN (SELECT id FROM namespace) AND NOT EXISTS (SELECT 1 FROM bound) RETURNING id)
          SELECT EXISTS (SELECT 1 FROM namespace) AS found, (SELECT worker FROM bound) AS bound_by`),

  namespaceIds: sql<{ id: string; name: string }>("SELECT id::text AS id, name FROM kv_namespaces WHERE tenant = $1 AND name = ANY($2::text[])"),

  get: sql<KvEntryRow>(`SELECT value, metadata, expiration, version
          FROM kv_entries WHERE namespace_id = $1 AND key = $2 AND ${VISIBLE}`),

  // Keys arrive hex-encoded: postgres.js cannot serialise a bytea[] parameter.
  getMany: sql<Pick<KvEntryRow, "value" | "metadata"> & { key: Uint8Array }>(`SELECT key, value, metadata FROM kv_entries
              WHERE namespace_id = $1 AND key IN (SELECT decode(unnest($2::text[]), 'hex')) AND ${VISIBLE}`),

  exists: sql<{ found: number }>(`SELECT 1 AS found FROM kv_entries WHERE namespace_id = $1 AND key = $2 AND ${VISIBLE}`),

  put: notifying<{ version: string }>(
    `INSERT INTO kv_entries (namespace_id, key, value, metadata, expiration, version)
       VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (namespace_id, key) DO UPDATE
       SET value = excluded.value, metadata = excluded.metadata,
           expiration = excluded.expiration, version = excluded.version`,
    "version",
  ),

  // Creates the entry unless a visible one exists; an expired leftover counts as absent.
  putIfAbsent: notifying<{ version: string }>(
    `INSERT INTO kv_entries (namespace_id, key, value, metadata, expiration, version)
       VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (namespace_id, key) DO UPDATE
       SET value = excluded.value, metadata = excluded.metadata,
           expiration = excluded.expiration, version = excluded.version
       WHERE kv_entries.expiration IS NOT NULL AND kv_entries.expiration <= $7`,
    "version",
  ),

  putIfVersion: notifying<{ version: string }>(
    `UPDATE kv_entries SET value = $4, metadata = $5, expiration = $6, version = $8
      WHERE namespace_id = $1 AND key = $2 AND ${VISIBLE} AND version = $7`,
    "version",
  ),

  delete: notifying(`DELETE FROM kv_entries WHERE namespace_id = $1 AND key = $2`, ""),

  // Bulk writes and deletes (the admin API's): one statement, so one commit and its NOTIFYs, rather
  // than one per key. Keys and values arrive hex-encoded (see getMany); keys are distinct.
  putMany: notifying(
    `INSERT INTO kv_entries (namespace_id, key, value, metadata, expiration, version)
       SELECT $1, decode(k, 'hex'), decode(v, 'hex'), m, e, ver
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS t(k, v, m, e, ver)
     ON CONFLICT (namespace_id, key) DO UPDATE
       SET value = excluded.value, metadata = excluded.metadata,
           expiration = excluded.expiration, version = excluded.version`,
    "",
  ),

  deleteMany: notifying(`DELETE FROM kv_entries WHERE namespace_id = $1 AND key IN (SELECT decode(unnest($2::text[]), 'hex'))`, ""),

  // [from, below) is the prefix's byte range, so user input never becomes a LIKE pattern.
  list: sql<KvListRow>(`SELECT key, metadata, expiration FROM kv_entries
           WHERE namespace_id = $1 AND key >= $2 AND key < $4 AND ${VISIBLE}
           ORDER BY key LIMIT $5`),

  // Expired entries are already invisible, so deleting them changes nothing a reader sees (no
  // NOTIFY). SKIP LOCKED lets several hosts sweep at once without waiting on each other.
  sweep: sql<{ deleted: number }>(`WITH gone AS (
            DELETE FROM kv_entries WHERE ctid = ANY(ARRAY(
              SELECT ctid FROM kv_entries WHERE expiration <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
            RETURNING 1)
          SELECT count(*)::int AS deleted FROM gone`),
};
