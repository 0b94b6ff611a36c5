-- How often each worker hit a per-invocation limit (runner/limits/hits.ts), by limit: shown to the
-- worker's owner and the operator in GET /v1/workers/:name. Written after the invocation that hit
-- one, never on the hot path.
CREATE TABLE limit_hits (
  tenant text NOT NULL,
  worker text NOT NULL,
  limit_name text NOT NULL,
  hits bigint NOT NULL,
  last_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, worker, limit_name)
);
