// The trusted runner: the only code holding credentials. Its default export serves the public
// socket; the named entrypoints are the admin socket and the bindings' RPC servers.
import { WorkerEntrypoint } from "cloudflare:workers";
import { admin } from "./admin/app.ts";
import { onNotification } from "./db/notifications.ts";
import { dispatch } from "./dispatch/dispatch.ts";
import { answerArrival, forwardedRequest, runForwardedEvent } from "./dispatch/probation.ts";
import { ROUTES_CHANNEL } from "./dispatch/routes.ts";
import { workerChanges } from "./dispatch/warm.ts";
import { runForwardedAttempt } from "./cron/run.ts";
import { runForwardedBatch } from "./queue/consume.ts";
import type { Env } from "./env.ts";
import { KV_CHANNEL, kvWrites } from "./kv/cache.ts";
import { KEYS_CHANNEL, keyRotations } from "./vault/signing.ts";
import { answerOwnerCall } from "./owners/serve.ts";

export { Database } from "./db/database.ts";
import { Kv as KvServer } from "./kv/entrypoint.ts";
export { Egress } from "./egress/entrypoint.ts";
export { Service } from "./services/entrypoint.ts";
import { Vault as VaultServer } from "./vault/entrypoint.ts";
import { R2 as R2Server } from "./r2/entrypoint.ts";
import { Queue as QueueServer } from "./queue/entrypoint.ts";
import { D1 as D1Server } from "./d1/entrypoint.ts";
import { guarded } from "./limits/guard.ts";
export { QueueCodec } from "./queue/codec.ts";
// The bindings' RPC servers, each method guarded by the caller's invocation (limits/guard.ts).
export const Kv = guarded(KvServer);
export const Vault = guarded(VaultServer);
export const R2 = guarded(R2Server);
export const Queue = guarded(QueueServer);
export const D1 = guarded(D1Server);
export { Scheduler } from "./scheduler/scheduler.ts";
export { Assets } from "./assets/entrypoint.ts";
export { Tail } from "./logs/tail.ts";
export { LogSink } from "./logs/sink.ts";

// What the Database object's LISTEN connection hears, for the caches another host's change makes
// stale. Registered at load, before the object first subscribes; told in this order.
onNotification(ROUTES_CHANNEL, workerChanges);
onNotification(KV_CHANNEL, kvWrites);
onNotification(KEYS_CHANNEL, keyRotations);

export class Admin extends WorkerEntrypoint<Env> {
  override async fetch(request: Request): Promise<Response> {
    // The probation process's private port also takes the public requests, queue batches and cron
    // attempts of workers on probation that other processes forward.
    const arrival = answerArrival(request, this.env);
    if (arrival) return arrival;
    // Calls forwarded to the owner of an object (a D1 database) by another process or host.
    const ownerCall = await answerOwnerCall(request, this.env);
    if (ownerCall) return ownerCall;
    const event = await runForwardedEvent(request, this.env, {
      queue: (payload) => runForwardedBatch(this.env, this.ctx, payload),
      scheduled: (payload) => runForwardedAttempt(this.env, this.ctx, payload),
    });
    if (event) return event;
    const forwarded = forwardedRequest(request, this.env);
    if (forwarded) return dispatch(forwarded, this.env, this.ctx);
    return admin.fetch(request, this.env, this.ctx);
  }
}

export default {
  fetch: dispatch,
} satisfies ExportedHandler<Env>;
