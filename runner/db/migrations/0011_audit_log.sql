-- The admin API's audit log: every state-changing call (who, from where, what, on which tenant,
-- with what outcome) and failed authentications (bounded per address and window). Never values:
-- a secret put is its path. No foreign keys: entries outlive the tokens and tenants they name.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  -- The stored token's id and name; NULL and 'operator' for the configured operator token,
  -- NULL and 'unauthenticated' for a failed authentication.
  actor_token   text,
  actor_name    text NOT NULL,
  -- The token's tenant; NULL for operator tokens.
  actor_tenant  text,
  client        text NOT NULL,
  -- The route ('PUT /v1/workers/:name') or 'auth.failed' / 'auth.throttled'.
  action        text NOT NULL,
  -- The request path, or the created resource's ('/v1/tokens/tok_…' for a token create).
  target        text NOT NULL,
  -- The tenant acted on; NULL when platform-wide.
  tenant        text,
  status        smallint NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant, id);
CREATE INDEX audit_log_actor_tenant ON audit_log (actor_tenant, id);
