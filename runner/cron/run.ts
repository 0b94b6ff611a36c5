import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { loadVersion } from "../dispatch/loader.ts";
import { resolveWorker } from "../dispatch/routes.ts";
import { CRON_SQL } from "./sql.ts";

export interface Tick {
  worker: string;
  cron: string;
  /** epoch ms: the tick's own time, also what the handler sees as `controller.scheduledTime` */
  scheduledTime: number;
}

export interface TickResult {
  /** false: another host (or an earlier call) already ran this tick */
  claimed: boolean;
  outcome?: string;
}

interface ScheduledFetcher {
  scheduled(options: { scheduledTime: Date; cron: string }): Promise<{ outcome: string; noRetry: boolean }>;
}

/**
 * Claims the tick and, if this call won it, runs the worker's scheduled() handler on its serving
 * version. Exactly one claim per (worker, cron, scheduledTime) succeeds across all hosts.
 */
export async function runTick(env: Env, ctx: ExecutionContext | DurableObjectState, tick: Tick): Promise<TickResult> {
  const db = database(env);
  const params = [tick.worker, tick.cron, tick.scheduledTime];
  const [claimed] = await db.query(CRON_SQL.claim, params);
  if (!claimed) return { claimed: false };
  let outcome: string;
  try {
    const context = ctx as ExecutionContext;
    const route = await resolveWorker(env, context, tick.worker);
    if (!route) {
      outcome = "worker-missing";
    } else {
      const entrypoint = loadVersion(env, context, route, route.versionId).getEntrypoint() as unknown as ScheduledFetcher;
      ({ outcome } = await entrypoint.scheduled({ scheduledTime: new Date(tick.scheduledTime), cron: tick.cron }));
    }
  } catch (error) {
    console.error(`cron "${tick.cron}" of worker ${tick.worker} could not run:`, error);
    outcome = "exception";
  }
  if (outcome !== "ok") console.error(`cron "${tick.cron}" of worker ${tick.worker} at ${new Date(tick.scheduledTime).toISOString()}: ${outcome}`);
  await db.query(CRON_SQL.finish, [...params, outcome]);
  return { claimed: true, outcome };
}
