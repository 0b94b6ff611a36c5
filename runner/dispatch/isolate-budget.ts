// The isolates this process has asked the Worker Loader for. Worker Loader keeps every isolate it
// loaded, by id, until the process ends: it has no unload call and reports no memory per isolate.
// So the runner counts the ids it asked for since the process started, and the supervisor
// (cli/pool.js) replaces a process whose count or memory grew past the operator's budget; the
// count starts again at zero in the replacement. The count reaches the supervisor as a journal
// line (logs/journal.ts), written only when an id is loaded for the first time.
//
// One tenant may not fill a process on its own: past OUTPOST_MAX_ISOLATES_PER_TENANT workers
// loaded here, a request for one more of its workers is refused. The cap counts workers, not
// versions, so a tenant redeploying one worker many times is never refused (the older versions'
// isolates still count towards the process's budget).
import type { Env } from "../env.ts";
import { emit, log } from "../logs/log.ts";
import { textResponse } from "../text-response.ts";
import type { Route } from "./routes.ts";

/** Refused: the tenant already has as many workers loaded in this process as it may. */
export class TenantIsolateCapReached extends Error {
  constructor(worker: string, cap: number) {
    super(
      `Worker ${worker} cannot be started: its tenant already has ${cap} workers loaded in this server process, ` +
        `the most one tenant may (OUTPOST_MAX_ISOLATES_PER_TENANT).`,
    );
    this.name = "TenantIsolateCapReached";
  }
}

const loadedIds = new Set<string>();
const workersByTenant = new Map<string, Set<string>>();

/** Counts the isolate `id` of the route's worker as loaded and returns it; throws TenantIsolateCapReached for one worker too many. */
export function admitIsolate(env: Env, { tenant, worker }: Route, id: string): string {
  if (loadedIds.has(id)) return id;
  const workers = workersByTenant.get(tenant) ?? new Set<string>();
  if (!workers.has(worker) && workers.size >= env.CONFIG.maxIsolatesPerTenant) throw new TenantIsolateCapReached(worker, env.CONFIG.maxIsolatesPerTenant);
  workers.add(worker);
  workersByTenant.set(tenant, workers);
  loadedIds.add(id);
  emit({ level: "debug", src: "journal", msg: "isolates", count: loadedIds.size });
  return id;
}

/** The public request's answer: 503, as the platform cannot serve it now (a replaced process can). */
export function refusedAtCap({ tenant, worker }: Route, error: TenantIsolateCapReached): Response {
  log.warn("a worker was refused: its tenant has as many workers loaded in this process as it may", { tenant, worker });
  return textResponse(503, error.message);
}
