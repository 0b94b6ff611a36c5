-- Per-tenant quotas. The defaults live in code (cli/quota-defaults.js) and are written to
-- quota_defaults at every start; tenant_quotas holds an operator's override for one tenant.
CREATE TABLE quota_defaults (
  resource  text PRIMARY KEY,
  value     bigint NOT NULL CHECK (value >= 0)
);
CREATE TABLE tenant_quotas (
  tenant    text NOT NULL REFERENCES tenants (id),
  resource  text NOT NULL,
  value     bigint NOT NULL CHECK (value >= 0),
  PRIMARY KEY (tenant, resource)
);

-- The tenant's limit for a resource: its override, else the default; NULL (no limit) for a
-- resource without a default.
CREATE FUNCTION quota_limit(t text, r text) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT value FROM tenant_quotas WHERE tenant = t AND resource = r),
                  (SELECT value FROM quota_defaults WHERE resource = r))
$$;

-- Refuses (rolls the statement back) when `total`, the usage a change would leave, exceeds the
-- tenant's limit. The message is what the tenant sees; the runner recognises it by its start.
CREATE FUNCTION quota_check(t text, r text, total bigint, unit text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  quota bigint := quota_limit(t, r);
BEGIN
  IF total > quota THEN
    RAISE EXCEPTION 'tenant % is over its % quota (% of % % with this change)', t, r, total, quota, unit;
  END IF;
END $$;

-- Stored bytes and backlog per tenant, kept by the triggers below in the statement that writes.
-- Each database connection adds to its own shard row of the tenant's counter, so writers on
-- different connections never wait for each other's commit; the check reads every shard. A
-- writer does not see what others have not committed yet, so concurrent writers of one tenant
-- can overshoot its quota by at most what the other connections are writing at that moment
-- (one statement each). A shrinking write always passes: a tenant over a lowered quota can
-- still delete.
CREATE TABLE tenant_usage (
  tenant    text NOT NULL,
  resource  text NOT NULL,
  shard     smallint NOT NULL,
  used      bigint NOT NULL,
  PRIMARY KEY (tenant, resource, shard)
);

CREATE FUNCTION charge_usage(t text, r text, delta bigint, unit text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF delta = 0 OR t IS NULL THEN RETURN; END IF;
  INSERT INTO tenant_usage AS u (tenant, resource, shard, used) VALUES (t, r, pg_backend_pid() % 16, delta)
    ON CONFLICT (tenant, resource, shard) DO UPDATE SET used = u.used + excluded.used;
  IF delta > 0 THEN PERFORM quota_check(t, r, quota_used(t, r), unit); END IF;
END $$;

-- A KV entry's stored bytes: key, value and metadata.
CREATE FUNCTION kv_entries_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint := 0;
  ns bigint;
BEGIN
  IF TG_OP <> 'DELETE' THEN
    delta := octet_length(NEW.key) + octet_length(NEW.value) + coalesce(octet_length(NEW.metadata), 0);
    ns := NEW.namespace_id;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    delta := delta - (octet_length(OLD.key) + octet_length(OLD.value) + coalesce(octet_length(OLD.metadata), 0));
    ns := OLD.namespace_id;
  END IF;
  IF delta <> 0 THEN PERFORM charge_usage((SELECT tenant FROM kv_namespaces WHERE id = ns), 'kv_bytes', delta, 'bytes'); END IF;
  RETURN NULL;
END $$;

-- R2 bytes: objects, and the parts of multipart uploads in progress (freed when the upload ends).
CREATE FUNCTION r2_objects_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint := 0;
  bucket bigint;
BEGIN
  IF TG_OP <> 'DELETE' THEN delta := NEW.size; bucket := NEW.bucket_id; END IF;
  IF TG_OP <> 'INSERT' THEN delta := delta - OLD.size; bucket := OLD.bucket_id; END IF;
  IF delta <> 0 THEN PERFORM charge_usage((SELECT tenant FROM r2_buckets WHERE id = bucket), 'r2_bytes', delta, 'bytes'); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION r2_parts_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM charge_usage(
    (SELECT b.tenant FROM r2_uploads u JOIN r2_buckets b ON b.id = u.bucket_id WHERE u.upload_id = NEW.upload_id),
    'r2_bytes', NEW.size - (CASE WHEN TG_OP = 'UPDATE' THEN OLD.size ELSE 0 END), 'bytes');
  RETURN NULL;
END $$;

-- Before the upload's row goes: its parts leave by cascade, when the upload can no longer be looked up.
CREATE FUNCTION r2_uploads_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM charge_usage((SELECT tenant FROM r2_buckets WHERE id = OLD.bucket_id), 'r2_bytes',
    -(SELECT coalesce(sum(size), 0) FROM r2_upload_parts WHERE upload_id = OLD.upload_id)::bigint, 'bytes');
  RETURN OLD;
END $$;

-- Per statement, not per row: a batch of messages is one charge per tenant, and tenants are
-- charged in one order, so statements settling messages of several tenants cannot deadlock.
CREATE FUNCTION queue_messages_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
  owner record;
BEGIN
  FOR owner IN SELECT q.tenant, count(*) AS messages, sum(m.size) AS bytes
                 FROM changed m JOIN queues q ON q.id = m.queue_id GROUP BY q.tenant ORDER BY q.tenant LOOP
    PERFORM charge_usage(owner.tenant, 'queue_messages', sign * owner.messages, 'messages');
    PERFORM charge_usage(owner.tenant, 'queue_bytes', sign * owner.bytes, 'bytes');
  END LOOP;
  RETURN NULL;
END $$;

-- What is stored now, before the triggers count every change from here on.
INSERT INTO tenant_usage (tenant, resource, shard, used)
  SELECT n.tenant, 'kv_bytes', 0, sum(octet_length(e.key) + octet_length(e.value) + coalesce(octet_length(e.metadata), 0))
    FROM kv_entries e JOIN kv_namespaces n ON n.id = e.namespace_id GROUP BY n.tenant;
INSERT INTO tenant_usage (tenant, resource, shard, used)
  SELECT tenant, 'r2_bytes', 0, sum(size) FROM (
    SELECT b.tenant, o.size FROM r2_objects o JOIN r2_buckets b ON b.id = o.bucket_id
    UNION ALL
    SELECT b.tenant, p.size FROM r2_upload_parts p JOIN r2_uploads u USING (upload_id) JOIN r2_buckets b ON b.id = u.bucket_id
  ) stored GROUP BY tenant;
INSERT INTO tenant_usage (tenant, resource, shard, used)
  SELECT q.tenant, 'queue_messages', 0, count(*) FROM queue_messages m JOIN queues q ON q.id = m.queue_id GROUP BY q.tenant;
INSERT INTO tenant_usage (tenant, resource, shard, used)
  SELECT q.tenant, 'queue_bytes', 0, sum(m.size) FROM queue_messages m JOIN queues q ON q.id = m.queue_id GROUP BY q.tenant;

CREATE TRIGGER kv_entries_usage AFTER INSERT OR UPDATE OR DELETE ON kv_entries FOR EACH ROW EXECUTE FUNCTION kv_entries_usage();
CREATE TRIGGER r2_objects_usage AFTER INSERT OR UPDATE OR DELETE ON r2_objects FOR EACH ROW EXECUTE FUNCTION r2_objects_usage();
CREATE TRIGGER r2_parts_usage AFTER INSERT OR UPDATE ON r2_upload_parts FOR EACH ROW EXECUTE FUNCTION r2_parts_usage();
CREATE TRIGGER r2_uploads_usage BEFORE DELETE ON r2_uploads FOR EACH ROW EXECUTE FUNCTION r2_uploads_usage();
CREATE TRIGGER queue_messages_sent AFTER INSERT ON queue_messages REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION queue_messages_usage();
CREATE TRIGGER queue_messages_settled AFTER DELETE ON queue_messages REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION queue_messages_usage();

-- Deploys in the current calendar minute, per tenant (a fixed window: at most twice the quota
-- across a minute's boundary).
CREATE TABLE deploy_minutes (
  tenant   text PRIMARY KEY,
  minute   timestamptz NOT NULL,
  deploys  integer NOT NULL
);

-- A tenant's usage of any resource: counted ones where they are stored (by tenant, indexed),
-- stored bytes and backlog from tenant_usage.
-- plpgsql plans only the branch it runs: a resource's count reads its own table alone.
CREATE FUNCTION quota_used(t text, r text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
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
    ELSE SELECT sum(u.used) INTO total FROM tenant_usage u WHERE u.tenant = t AND u.resource = r;
  END CASE;
  RETURN coalesce(total, 0);
END $$;

CREATE INDEX workers_tenant ON workers (tenant);
CREATE INDEX versions_tenant ON versions (tenant);
CREATE INDEX admin_tokens_tenant ON admin_tokens (tenant);

-- Counted resources are checked after each insert, whoever inserts (admin API, deploy, the
-- vault binding). A count sees committed rows and its own, so concurrent inserts of one tenant
-- can overshoot by the number of them in flight.
CREATE FUNCTION count_quota() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.tenant IS NOT NULL THEN PERFORM quota_check(NEW.tenant, TG_ARGV[0], quota_used(NEW.tenant, TG_ARGV[0]), TG_ARGV[0]); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION routes_quota() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT DISTINCT w.tenant FROM added JOIN workers w ON w.name = added.worker LOOP
    PERFORM quota_check(t, 'routes', quota_used(t, 'routes'), 'routes');
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER workers_quota AFTER INSERT ON workers FOR EACH ROW EXECUTE FUNCTION count_quota('workers');
CREATE TRIGGER domains_quota AFTER INSERT ON domains FOR EACH ROW EXECUTE FUNCTION count_quota('domains');
CREATE TRIGGER tokens_quota AFTER INSERT ON admin_tokens FOR EACH ROW EXECUTE FUNCTION count_quota('tokens');
CREATE TRIGGER secrets_quota AFTER INSERT ON secrets FOR EACH ROW EXECUTE FUNCTION count_quota('secrets');
-- At commit: a deploy stores its version first and prunes old ones at the end of its transaction.
CREATE CONSTRAINT TRIGGER versions_quota AFTER INSERT ON versions DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION count_quota('versions');
CREATE TRIGGER routes_quota AFTER INSERT ON routes REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION routes_quota();
