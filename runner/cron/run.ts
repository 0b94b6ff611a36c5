import { database } from "../db/client.ts";
import { invoke } from "../limits/invocations.ts";
import type { Env } from "../env.ts";
import { loadVersion } from "../dispatch/loader.ts";
import { forwardEvent, forwardedRoute, runsApart } from "../dispatch/probation.ts";
import { type Route, invocationOf, resolveWorker } from "../dispatch/routes.ts";
import { journaled } from "../logs/journal.ts";
import { loggedCall } from "../logs/open.ts";
import { type AttemptResult, type AttemptsResult, type FailedAttempt, MAX_ATTEMPTS, withRetries } from "./retry.ts";
import { CRON_SQL } from "./sql.ts";
import { errorText, log } from "../logs/log.ts";
import { countCronRun } from "../metrics/registry.ts";

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
  /** scheduled() calls made (retries included); 0 when the worker was gone */
  attempts?: number;
}

/**
 * workerd's `Fetcher#scheduled()` (service_binding_extra_handlers); through the Worker Loader too,
 * `noRetry` is true once the handler called `controller.noRetry()` (tested). Branded so that
 * `getEntrypoint<T>()` can name it; workers-types' Fetcher has no `scheduled()`.
 */
interface ScheduledFetcher extends Rpc.WorkerEntrypointBranded {
  scheduled(options: { scheduledTime: Date; cron: string }): Promise<AttemptResult>;
}

/** A cron attempt of a worker on probation, as forwarded to the probation process. */
interface ForwardedAttempt {
  tenant: string;
  worker: string;
  version: string;
  cron: string;
  scheduledTime: number;
}

/**
 * Claims the tick and, if this call won it, runs the worker's scheduled() handler on its serving
 * version, retrying a failed call (retry.ts). Exactly one claim per (worker, cron, scheduledTime)
 * succeeds across all hosts, so only the winner ever calls or retries the handler.
 */
export async function runTick(env: Env, ctx: ExecutionContext | DurableObjectState, tick: Tick): Promise<TickResult> {
  const db = database(env);
  const params = [tick.worker, tick.cron, tick.scheduledTime];
  const [claimed] = await db.query(CRON_SQL.claim, params);
  if (!claimed) return { claimed: false };
  const { outcome, attempts } = await runHandler(env, ctx as ExecutionContext, tick);
  await db.query(CRON_SQL.finish, [...params, outcome, attempts]);
  countCronRun(outcome);
  return { claimed: true, outcome, attempts };
}

async function runHandler(env: Env, ctx: ExecutionContext, tick: Tick): Promise<AttemptsResult> {
  const route = await resolveWorker(env, ctx, tick.worker).catch((error: unknown) => {
    log.error(`${tickName(tick)} could not run`, { error: errorText(error) });
    return undefined;
  });
  if (route === undefined) return { outcome: "exception", attempts: 0 };
  if (route === null) {
    log.error(`${tickName(tick)}: the worker no longer exists`);
    return { outcome: "worker-missing", attempts: 0 };
  }
  if (route.suspended) {
    // Skipped, not postponed: the run is recorded with this outcome and no attempt.
    log.warn(`${tickName(tick)}: skipped, the worker is suspended`, { tenant: route.tenant, worker: route.worker });
    return { outcome: "suspended", attempts: 0 };
  }
  const attempt: ForwardedAttempt = {
    tenant: route.tenant,
    worker: route.worker,
    version: route.versionId,
    cron: tick.cron,
    scheduledTime: tick.scheduledTime,
  };
  return withRetries(
    async () => {
      try {
        // On probation, each attempt runs in the probation process, in its turn (dispatch/probation.ts).
        return await (runsApart(env, route) ? forwardEvent<AttemptResult>(env, route.worker, "scheduled", attempt) : callScheduled(env, ctx, route, attempt));
      } catch (error) {
        // The call itself failed (the version could not be loaded, the isolate died): the
        // handler's own exceptions come back as an outcome instead.
        log.error(`${tickName(tick)} could not run`, { error: errorText(error) });
        return { outcome: "exception", noRetry: false };
      }
    },
    { onFailure: (failure) => log.error(`${tickName(tick)}: ${failedAttempt(failure)}`) },
  );
}

/** In the probation process: runs a cron attempt a pool process forwarded (the payload comes from a runner, authenticated by the forward secret). */
export async function runForwardedAttempt(env: Env, ctx: ExecutionContext, payload: unknown): Promise<AttemptResult> {
  const attempt = payload as ForwardedAttempt;
  return callScheduled(env, ctx, await forwardedRoute(env, ctx, attempt), attempt);
}

function callScheduled(env: Env, ctx: ExecutionContext, route: Route, { version, cron, scheduledTime }: ForwardedAttempt): Promise<AttemptResult> {
  return journaled(invocationOf(route, version), () =>
    invoke(env.CONFIG, route.tenant, route.worker, (invocation) =>
      loggedCall(env, ctx, route.sampling[version] ?? 0, invocation, who(route, version), { cron, scheduledTime }, (props) =>
        loadVersion(env, ctx, route, version)
          .getEntrypoint<ScheduledFetcher>(undefined, { props })
          .scheduled({ scheduledTime: new Date(scheduledTime), cron }),
      ),
    ),
  );
}

const who = (route: Route, version: string) => ({ tenant: route.tenant, worker: route.worker, version });

const tickName = (tick: Tick) => `cron "${tick.cron}" of worker ${tick.worker} at ${new Date(tick.scheduledTime).toISOString()}`;

function failedAttempt({ attempt, outcome, noRetry, retryInMs }: FailedAttempt): string {
  const then = retryInMs !== null ? `retrying in ${retryInMs} ms` : noRetry ? "the handler called noRetry()" : "giving up";
  return `attempt ${attempt} of ${MAX_ATTEMPTS} ended "${outcome}"; ${then}`;
}
