-- Per-tenant quotas on D1: `d1_databases` (how many) and `d1_bytes` (their size together).
-- A database's size is its object's SQLite file, which only its owner sees: the runner records
-- it here after each call that changed it (runner/d1/size.ts), and hands the owner the size the
-- database may grow to, the quota less the tenant's other databases.
ALTER TABLE d1_databases ADD COLUMN size_bytes bigint NOT NULL DEFAULT 0;

-- quota_used of migration 0015, with the two D1 resources.
CREATE OR REPLACE FUNCTION quota_used(t text, r text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  total bigint;
BEGIN
  CASE r
    WHEN 'workers' THEN SELECT count(*) INTO total FROM workers WHERE tenant = t;
    WHEN 'versions' THEN SELECT count(*) INTO total FROM versions WHERE tenant = t;
    WHEN 'routes' THEN SELECT count(*) INTO total FROM routes JOIN workers w ON w.name = routes.worker WHERE w.tenant = t;
    WHEN 'domains' THEN SELECT count(*) INTO total FROM domains WHERE tenant = t;
    WHEN 'tokens' THEN SELECT count(*) INTO total FROM admin_tokens WHERE tenant = t;
    WHEN 'secrets' THEN SELECT count(*) INTO total FROM secrets WHERE tenant = t;
    WHEN 'deploys_per_minute' THEN SELECT deploys INTO total FROM deploy_minutes WHERE tenant = t AND minute = date_trunc('minute', now());
    WHEN 'd1_databases' THEN SELECT count(*) INTO total FROM d1_databases WHERE tenant = t;
    WHEN 'd1_bytes' THEN SELECT sum(size_bytes) INTO total FROM d1_databases WHERE tenant = t;
    ELSE SELECT sum(u.used) INTO total FROM tenant_usage u WHERE u.tenant = t AND u.resource = r;
  END CASE;
  RETURN coalesce(total, 0);
END $$;

-- Unlike the counted resources of 0015, creates of one tenant's databases are counted one at a
-- time: the lock (per tenant, held to commit) makes a second create wait for the first to commit,
-- and the count after it is a fresh statement, which sees it. Racing creates, or one deploy binding
-- many databases (one statement), can never pass the quota.
CREATE FUNCTION d1_databases_quota() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT DISTINCT tenant FROM added ORDER BY tenant LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('d1_databases ' || t, 0));
    PERFORM quota_check(t, 'd1_databases', quota_used(t, 'd1_databases'), 'databases');
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER d1_databases_quota AFTER INSERT ON d1_databases REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION d1_databases_quota();
