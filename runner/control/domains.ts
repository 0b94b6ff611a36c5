// Custom domains: which tenant owns which hosts (runner/dispatch/hosts.ts has the rules). Every
// change and every deploy's route check runs under one advisory lock (deploys share it), so an
// ownership check and the change it guards cannot interleave with another.
import { database, lastRows, sql } from "../db/client.ts";
import type { Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { coveringDomains, isWildcard, parseDomain, touchesBaseDomain, tooBroadForTenants, unownedNeed } from "../dispatch/hosts.ts";
import { parsePattern } from "../dispatch/patterns.ts";
import { ROUTES_CHANNEL, forgetRoutes } from "../dispatch/routes.ts";
import type { Scope } from "./scope.ts";
import { isStorableText } from "../storable-text.ts";

export interface DomainRow {
  domain: string;
  tenant: string;
  created_at: string;
}

const DOMAIN_COLUMNS = "domain, tenant, created_at::text AS created_at";

const DOMAINS_LOCK = "7237123391355777825"; // "domains!" as a bigint
const UNDER_WILDCARD = "ERR_CONFLICT: under another tenant's wildcard";
const OVER_OTHERS = "ERR_CONFLICT: wildcard over another tenant's domain";
const REGISTERED = "ERR_CONFLICT: registered to another tenant";
const ROUTES_CHANGED = "ERR_CONFLICT: routes changed";

/** The first statement of a transaction that checks or changes ownership. */
export function lockDomains(mode: "shared" | "exclusive"): Statement {
  return { text: `SELECT pg_advisory_xact_lock${mode === "shared" ? "_shared" : ""}($1::bigint)`, params: [DOMAINS_LOCK] };
}

/** The domains a tenant owns. */
export async function ownedDomains(env: Env, tenant: string): Promise<Set<string>> {
  const rows = await database(env).query<{ domain: string }>("SELECT domain FROM domains WHERE tenant = $1", [tenant]);
  return new Set(rows.map((row) => row.domain));
}

/**
 * Registers `text` to `tenant`: 201 when it is new to the tenant, 200 when the tenant already
 * had it. An operator may reassign a domain from another tenant; a tenant may claim only unowned
 * domains, and only when the operator opened claims.
 */
export async function registerDomain(env: Env, scope: Scope, text: string, tenant: string): Promise<{ row: DomainRow; created: boolean }> {
  const domain = checkedDomain(env, text);
  if (scope.tenant !== null && env.CONFIG.domainClaims !== "open") {
    throw new PlatformError(
      "ERR_FORBIDDEN",
      403,
      `Domains are assigned by the operator of this platform (outpost domains add ${domain} --tenant ${tenant}); ask them.`,
    );
  }
  if (scope.tenant !== null && tooBroadForTenants(domain)) {
    throw new PlatformError("ERR_FORBIDDEN", 403, `${domain} is too broad to claim; name a domain such as *.example.com, or ask the operator to assign it.`);
  }
  const db = database(env);
  const [existing] = await db.query<DomainRow>(`SELECT ${DOMAIN_COLUMNS} FROM domains WHERE domain = $1`, [domain]);
  if (existing?.tenant === tenant) return { row: existing, created: false };
  const parent = isWildcard(domain) ? domain.slice(2) : null;
  const checks: Statement[] = [
    lockDomains("exclusive"),
    { text: "INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING", params: [tenant] },
    {
      text: "SELECT 1 AS free WHERE NOT EXISTS (SELECT 1 FROM domains WHERE domain = ANY($1::text[]) AND tenant <> $2)",
      params: [coveringDomains(domain).filter((covering) => covering !== domain), tenant],
      requireRow: UNDER_WILDCARD,
    },
    ...(parent === null
      ? []
      : [
          {
            text: "SELECT 1 AS free WHERE NOT EXISTS (SELECT 1 FROM domains WHERE tenant <> $2 AND domain <> $3 AND right(domain, length($1) + 1) = '.' || $1)",
            params: [parent, tenant, domain],
            requireRow: OVER_OTHERS,
          },
        ]),
    ...(scope.tenant === null
      ? []
      : [
          {
            text: "SELECT 1 AS free WHERE NOT EXISTS (SELECT 1 FROM domains WHERE domain = $1 AND tenant <> $2)",
            params: [domain, tenant],
            requireRow: REGISTERED,
          },
        ]),
  ];
  const register = {
    text: sql<DomainRow>(`INSERT INTO domains (domain, tenant) VALUES ($1, $2)
             ON CONFLICT (domain) DO UPDATE SET tenant = excluded.tenant, created_at = now()
             RETURNING ${DOMAIN_COLUMNS}`),
    params: [domain, tenant],
  };
  // NOTIFY is sent at commit wherever it stands; the registration comes last so its rows are the result's last.
  const notify = { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, domain] };
  const results = await db.transaction([...checks, notify, register]).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : "";
    if (message === UNDER_WILDCARD) throw new PlatformError("ERR_CONFLICT", 409, `${domain} is under a wildcard domain another tenant owns.`);
    if (message === OVER_OTHERS) throw new PlatformError("ERR_CONFLICT", 409, `Another tenant owns a domain under ${domain}; a wildcard cannot include it.`);
    if (message === REGISTERED) throw new PlatformError("ERR_CONFLICT", 409, `${domain} is registered to another tenant.`);
    throw error;
  });
  forgetRoutes(domain);
  // An upsert ... RETURNING returns its row or fails.
  const [row] = lastRows(results);
  return { row: row!, created: true };
}

/** Domains visible to the scope, ordered by name. */
export async function listDomains(env: Env, scope: Scope): Promise<DomainRow[]> {
  return database(env).query<DomainRow>(`SELECT ${DOMAIN_COLUMNS} FROM domains WHERE $1::text IS NULL OR tenant = $1 ORDER BY domain`, [scope.tenant]);
}

/** Refused while one of the owner's routes needs the domain (another of its domains may cover the route instead). */
export async function removeDomain(env: Env, scope: Scope, text: string): Promise<void> {
  const parsed = parseDomain(text);
  const domain = typeof parsed === "string" ? parsed : text;
  const db = database(env);
  // Text Postgres cannot hold names no stored domain.
  const [row] = isStorableText(domain) ? await db.query<{ tenant: string }>("SELECT tenant FROM domains WHERE domain = $1", [domain]) : [];
  // Another tenant's domain answers exactly like a missing one.
  if (!row || (scope.tenant !== null && row.tenant !== scope.tenant)) throw new PlatformError("ERR_NOT_FOUND", 404, `No domain named ${domain}.`);
  const owner = row.tenant;
  const routes = await db.query<{ pattern: string; worker: string }>(
    "SELECT r.pattern, r.worker FROM routes r JOIN workers w ON w.name = r.worker WHERE w.tenant = $1 ORDER BY r.worker, r.pattern",
    [owner],
  );
  const owned = await ownedDomains(env, owner);
  const remaining = new Set([...owned].filter((name) => name !== domain));
  for (const { pattern, worker } of routes) {
    const route = parsePattern(pattern);
    if (typeof route !== "string" && unownedNeed(route, owned) === null && unownedNeed(route, remaining) !== null) {
      throw new PlatformError(
        "ERR_CONFLICT",
        409,
        `${domain} is still used by route ${pattern} of worker ${worker}; deploy that worker without the route first.`,
      );
    }
  }
  await db
    .transaction([
      lockDomains("exclusive"),
      {
        // What was checked above still holds: no deploy added a route, no removal took another domain.
        text: `SELECT 1 AS unchanged
                WHERE NOT EXISTS (SELECT 1 FROM routes r JOIN workers w ON w.name = r.worker WHERE w.tenant = $1 AND r.pattern <> ALL($2::text[]))
                  AND (SELECT count(*) FROM domains WHERE tenant = $1 AND domain = ANY($3::text[])) = cardinality($3::text[])`,
        params: [owner, routes.map((route) => route.pattern), [...owned]],
        requireRow: ROUTES_CHANGED,
      },
      { text: "DELETE FROM domains WHERE domain = $1 AND tenant = $2", params: [domain, owner] },
      { text: "SELECT pg_notify($1, $2)", params: [ROUTES_CHANNEL, domain] },
    ])
    .catch((error: unknown) => {
      if (error instanceof Error && error.message === ROUTES_CHANGED)
        throw new PlatformError("ERR_CONFLICT", 409, `Routes changed while removing ${domain}; try again.`);
      throw error;
    });
  forgetRoutes(domain);
}

/** A well-formed domain that does not touch the base domain. */
function checkedDomain(env: Env, text: string): string {
  const domain = parseDomain(text);
  if (typeof domain !== "string") throw new PlatformError("ERR_BAD_REQUEST", 400, domain.error);
  const base = env.CONFIG.baseDomain.toLowerCase();
  if (touchesBaseDomain(domain, base)) {
    throw new PlatformError(
      "ERR_BAD_REQUEST",
      400,
      `${domain} includes the base domain ${base}: hosts there are only NAME.${base}, answered by worker NAME, and cannot be registered.`,
    );
  }
  return domain;
}
