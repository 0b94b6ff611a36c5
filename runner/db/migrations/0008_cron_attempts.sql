-- How many times a cron run called the worker's scheduled() handler: a failed call is retried
-- (runner/cron/retry.ts). Written when the run finishes, so 0 while it is under way (or if its
-- host died) and for a worker that was gone. Runs recorded before retries existed made one call.
ALTER TABLE cron_runs ADD COLUMN attempts integer NOT NULL DEFAULT 0;
UPDATE cron_runs SET attempts = 1 WHERE finished_at IS NOT NULL AND outcome <> 'worker-missing';
