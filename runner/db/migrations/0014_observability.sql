-- `[observability] enabled` of a version: only then does its isolate get the tail that prints the
-- tenant's console output and uncaught exceptions (runner/dispatch/loader.ts). Versions deployed
-- before keep false: their logs are off until they are deployed with observability on.
ALTER TABLE versions ADD COLUMN observability boolean NOT NULL DEFAULT false;
