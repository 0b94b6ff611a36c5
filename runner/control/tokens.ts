// Admin tokens besides the operator's: created once (the secret is shown only then), stored as
// SHA-256, listed without secrets, revoked by id.
import { database, lastRows, sql } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import type { Scope } from "./scope.ts";
import { sha256Hex, toBase64Url } from "../encoding.ts";

export interface TokenRow {
  id: string;
  name: string;
  tenant: string | null;
  created_at: string;
}

const TOKEN_COLUMNS = "id, name, tenant, created_at::text AS created_at";

export async function createToken(env: Env, name: string, tenant: string | null): Promise<TokenRow & { token: string }> {
  const id = `tok_${randomText(9)}`;
  const token = `${tenant === null ? "op" : "tt"}_${randomText(24)}`;
  const results = await database(env).transaction([
    ...(tenant === null ? [] : [{ text: "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", params: [tenant] }]),
    {
      text: sql<TokenRow>(`INSERT INTO admin_tokens (id, name, tenant, sha256) VALUES ($1, $2, $3, $4) RETURNING ${TOKEN_COLUMNS}`),
      params: [id, name, tenant, await sha256Hex(token)],
    },
  ]);
  // An INSERT ... RETURNING without a conflict clause returns its row or fails.
  const [row] = lastRows(results);
  return { ...row!, token };
}

export async function listTokens(env: Env): Promise<TokenRow[]> {
  return database(env).query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM admin_tokens ORDER BY created_at, id`);
}

/** Deletes the token; returns the tenant it was scoped to (null: operator). */
export async function revokeToken(env: Env, id: string): Promise<string | null> {
  const [row] = await database(env).query<{ tenant: string | null }>("DELETE FROM admin_tokens WHERE id = $1 RETURNING tenant", [id]);
  if (!row) throw new PlatformError("ERR_NOT_FOUND", 404, `No token with id ${id}.`);
  return row.tenant;
}

/** The scope a stored token grants, or null when no token has this hash. */
export async function scopeOfToken(env: Env, tokenSha256: string): Promise<Scope | null> {
  const [row] = await database(env).query<Omit<TokenRow, "created_at">>("SELECT id, name, tenant FROM admin_tokens WHERE sha256 = $1", [tokenSha256]);
  return row ? { tenant: row.tenant, token: { id: row.id, name: row.name } } : null;
}

function randomText(bytes: number): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}
