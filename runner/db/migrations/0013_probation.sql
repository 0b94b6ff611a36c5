-- Workers on probation: suspects of an incident whose blame was not certain (several workers had
-- requests in flight on the killed process). Until `until`, their public requests are forwarded to
-- the probation process, which runs one at a time, so that the next incident there names exactly
-- one worker (runner/dispatch/probation.ts).
CREATE TABLE probations (
  tenant      text NOT NULL,
  worker      text NOT NULL,
  since       timestamptz NOT NULL DEFAULT now(),
  until       timestamptz NOT NULL,
  PRIMARY KEY (tenant, worker)
);

-- The supervisor's key for an incident (the killed process's pid and start time): a report sent
-- again after a lost answer is recognised and counted once.
ALTER TABLE incidents ADD COLUMN report_key text UNIQUE;
