-- Hosts have owners. A route is served only on hosts its worker's tenant registered: exactly
-- ('shop.example.com') or under a wildcard ('*.example.com': every subdomain, at any depth).
-- Registrations of different tenants never overlap (runner/control/domains.ts keeps that).
CREATE TABLE domains (
  domain      text PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_tenant ON domains (tenant);

-- Upgrades keep serving: each existing route's host is registered to the tenant of the worker
-- using it, oldest route first; a host another tenant already holds (or overlaps) is skipped,
-- and that route stops serving. Hosts under the base domain are registered too (the base domain
-- is not known here) but are never routed: NAME.<base domain> is always worker NAME.
DO $$
DECLARE
  route record;
  host text;
  wanted text;
  parent text;
BEGIN
  FOR route IN SELECT r.pattern, w.tenant FROM routes r JOIN workers w ON w.name = r.worker ORDER BY r.created_at, r.pattern LOOP
    -- Stored patterns were validated without a port or trailing dot; only scheme and case vary.
    host := lower(split_part(regexp_replace(route.pattern, '^https?://', '', 'i'), '/', 1));
    FOREACH wanted IN ARRAY CASE
      WHEN host LIKE '*.%' THEN ARRAY[host]
      WHEN host LIKE '*%' THEN ARRAY[substr(host, 2), '*.' || substr(host, 2)]
      ELSE ARRAY[host]
    END LOOP
      parent := CASE WHEN wanted LIKE '*.%' THEN substr(wanted, 3) ELSE wanted END;
      CONTINUE WHEN EXISTS (
        SELECT 1 FROM domains d WHERE d.domain = wanted
          -- a wildcard of another tenant over it
          OR (d.tenant <> route.tenant AND d.domain LIKE '*.%' AND right(parent, length(d.domain) - 1) = substr(d.domain, 2))
          -- another tenant's registration under the wildcard wanted
          OR (d.tenant <> route.tenant AND wanted LIKE '*.%' AND right(d.domain, length(parent) + 1) = '.' || parent)
      );
      INSERT INTO domains (domain, tenant) VALUES (wanted, route.tenant);
    END LOOP;
  END LOOP;
END $$;

-- A deleted worker's name stays with its tenant for a grace period (OUTPOST_NAME_GRACE_DAYS):
-- another tenant cannot take it over and answer where the old worker's users still go.
CREATE TABLE name_holds (
  name         text PRIMARY KEY,
  tenant       text NOT NULL REFERENCES tenants (id),
  released_at  timestamptz NOT NULL DEFAULT now()
);
