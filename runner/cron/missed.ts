// Missed ticks: a tick no host was up to claim is not replayed later, except that a starting
// host runs the single latest tick of each cron missed within the last MISSED_TICK_GRACE_MS
// (say, across a restart) if no host ran it (the claim in run.ts decides that). Older ones are
// skipped, never run en masse. Cloudflare does not say what it does with ticks it missed; this is
// Outpost's choice.
import { type CronSchedule, previousTick } from "./parse.ts";

/** How far back a starting host looks: far enough for a restart, not for an outage. */
export const MISSED_TICK_GRACE_MS = 60_000;

/**
 * The tick a host starting at `now` runs late, if any: the latest one within the grace period and
 * not before the worker was last pointed at a version (`deployedAt`; earlier ticks belonged to
 * the version before).
 */
export function missedTick(schedule: CronSchedule, now: number, deployedAt: number): number | null {
  const since = Math.max(deployedAt, now - MISSED_TICK_GRACE_MS);
  return previousTick(schedule, now, since - 1);
}
