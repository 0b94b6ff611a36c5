-- Blame for a killed workerd process (a stall, a memory abort, a crash), as the supervisor reports
-- it, and the suspensions it led to. An incident is certain when one worker version was all that
-- ran on the process (runner/control/blame.ts); only certain incidents count against a worker.
-- No foreign keys: an incident may name a version that never got stored (a deploy's load check
-- hung), and both tables outlive the workers they name.
CREATE TABLE incidents (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  kind        text NOT NULL CHECK (kind IN ('cpu', 'memory', 'crash')),
  -- The supervisor's number for the killed process.
  process     integer NOT NULL,
  certain     boolean NOT NULL,
  -- The blamed worker version; NULL when the incident is not certain.
  tenant      text,
  worker      text,
  version     text,
  -- Requests and events the kill ended, the blamed one(s) included.
  in_flight   integer NOT NULL,
  -- Every invocation that was in flight: [{ id, tenant, worker, version }].
  suspects    jsonb NOT NULL
);
CREATE INDEX incidents_worker ON incidents (tenant, worker, at) WHERE certain;

-- One row per worker ever suspended; lifted_at NULL while the suspension holds. A lift (resume or
-- a changed deploy) also restarts the count: incidents before it are not counted again.
CREATE TABLE suspensions (
  tenant      text NOT NULL,
  worker      text NOT NULL,
  -- The versions blamed while it is suspended: deploying one of them again is refused, so a
  -- top level that never returns cannot stall process after process through the deploy's load check.
  versions    text[] NOT NULL,
  kind        text NOT NULL,
  reason      text NOT NULL,
  -- Certain incidents counted when it was suspended (or, since, while suspended).
  incidents   integer NOT NULL,
  -- The last incident's time.
  at          timestamptz NOT NULL,
  lifted_at   timestamptz,
  PRIMARY KEY (tenant, worker)
);

-- `limits.cpu_ms` of a version (part of its content hash); NULL: the platform's stall limit.
ALTER TABLE versions ADD COLUMN cpu_ms integer;
