// The trusted runner: the only code holding credentials. Its default export serves the public
// socket; the named entrypoints are the admin socket and the bindings' RPC servers.
import { WorkerEntrypoint } from "cloudflare:workers";
import { admin } from "./admin/app.ts";
import { dispatch } from "./dispatch/dispatch.ts";
import { forwardedRequest } from "./dispatch/probation.ts";
import type { Env } from "./env.ts";

export { Database } from "./db/database.ts";
export { Kv } from "./kv/entrypoint.ts";
export { Egress } from "./egress/entrypoint.ts";
export { Service } from "./services/entrypoint.ts";
export { Vault } from "./vault/entrypoint.ts";
export { Storage } from "./storage/entrypoint.ts";
export { Queue } from "./queue/entrypoint.ts";
export { QueueCodec } from "./queue/codec.ts";
export { Scheduler } from "./queue/scheduler.ts";
export { Assets } from "./assets/entrypoint.ts";
export { Tail } from "./logs/tail.ts";

export class Admin extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Promise<Response> | Response {
    // The probation process's private port also takes the public requests other processes forward.
    const forwarded = forwardedRequest(request, this.env);
    if (forwarded) return dispatch(forwarded, this.env, this.ctx);
    return admin.fetch(request, this.env, this.ctx);
  }
}

export default {
  fetch: dispatch,
} satisfies ExportedHandler<Env>;
