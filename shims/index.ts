// Loaded into every tenant isolate beside the user's modules (runner/dispatch/entry-module.ts).
import type { BindingManifest, ShimKind, ShimStubs } from "../runner/bindings/kind.ts";
import { makeKvBinding } from "./kv.ts";
import { makeServiceBinding } from "./service.ts";
import { SecretsStoreSecret, VaultBinding } from "./vault.ts";
import { makeR2Binding } from "./r2.ts";
import { makeQueueBinding } from "./queue.ts";
import { makeD1Binding } from "./d1.ts";
import { limitNodePbkdf2, limitPbkdf2 } from "./crypto-limits.ts";
import { cacheAsOnWorkersDev } from "./cache.ts";
import {
  type InvocationContext,
  forwardInvocation,
  forwardInvocationOnFetch,
  inInvocation,
  keepInvocationInListeners,
  runMethodsInInvocation,
  tokenOf,
} from "./invocation.ts";
import { captureConsole, captureFor, captureUncaught } from "./log-capture.ts";
import { LOG_SINK_BINDING } from "../runner/logs/capture-contract.ts";

export { rpcTargetInInvocation } from "./invocation.ts";

// On the prototype, not on `crypto.subtle`: `SubtleCrypto.prototype.deriveBits.call(…)` is guarded too.
limitPbkdf2(SubtleCrypto.prototype as unknown as Parameters<typeof limitPbkdf2>[0]);
limitNodePbkdf2((globalThis as { process?: Parameters<typeof limitNodePbkdf2>[0] }).process);
forwardInvocationOnFetch(globalThis);
captureConsole(console);
// Before keepInvocationInListeners: these listeners look up the invocation the event happens in.
captureUncaught(globalThis);
cacheAsOnWorkersDev(Cache.prototype as unknown as Parameters<typeof cacheAsOnWorkersDev>[0]);
keepInvocationInListeners(EventTarget.prototype as unknown as Parameters<typeof keepInvocationInListeners>[0]);

/** One builder per manifest kind (runner/bindings/kind.ts): the Cloudflare API object over the binding's stub. */
const BUILDERS: { [K in ShimKind]: (stub: ShimStubs[K]) => unknown } = {
  kv: makeKvBinding,
  r2: makeR2Binding,
  service: makeServiceBinding,
  vault: (stub) => new VaultBinding(stub),
  secretsStore: (stub) => new SecretsStoreSecret(stub),
  queue: makeQueueBinding,
  // Checked against workers-types' D1Database: the shim is the API tenant code is typed against.
  d1: (stub): D1Database => makeD1Binding(stub),
};

const HANDLERS = ["fetch", "scheduled", "queue", "tail", "email", "trace"] as const;

type Env = Record<string, unknown>;
type Handlers = Record<string, unknown>;

// One wrapped env per raw env object: handlers get the same one on every call. (The env that
// `import { env } from "cloudflare:workers"` gives is another object, wrapped once too.)
const wrapped = new WeakMap<Env, Env>();

/** `env` with each binding's RPC stub replaced by its Cloudflare API object. */
export function wrapEnv(env: Env, manifest: BindingManifest): Env {
  if (env === undefined || env === null) return env;
  let result = wrapped.get(env);
  if (!result) {
    result = { ...env };
    delete result[LOG_SINK_BINDING];
    for (const [name, kind] of Object.entries(manifest)) {
      // The manifest comes from the runner with the env, so env[name] is the stub of that kind.
      result[name] = (BUILDERS[kind] as (stub: unknown) => unknown)(forwardInvocation(env[name] as object));
    }
    wrapped.set(env, result);
  }
  return result;
}

/**
 * Wraps the user's default export so every handler receives `env` with each binding's RPC stub
 * replaced by its Cloudflare API object. Works for `export default { fetch }` objects and for
 * `class extends WorkerEntrypoint`.
 */
export function wrapWorker(handler: unknown, manifest: BindingManifest): unknown {
  if (handler === undefined || handler === null) {
    throw new Error("The worker has no default export. Outpost runs ES module workers: `export default { fetch(request, env, ctx) { … } }`.");
  }
  const wrapEnvOf = (env: Env) => wrapEnv(env, manifest);

  if (typeof handler === "function") return wrapEntrypointClass(handler as EntrypointClass, wrapEnvOf);
  const user = handler as Handlers;
  const result: Handlers = {};
  for (const name of HANDLERS) {
    const method = user[name];
    if (typeof method === "function") {
      result[name] = (input: unknown, env: Env, ctx: unknown) => inInvocation(contextOf(ctx, env), () => method.call(user, input, wrapEnvOf(env), ctx));
    }
  }
  return result;
}

type EntrypointClass = new (ctx: unknown, env: Env) => object;

/**
 * A `WorkerEntrypoint` subclass: its env wrapped, and each method on its prototype chain (the
 * handlers and RPC methods workerd calls) run inside the invocation the instance was made for.
 */
function wrapEntrypointClass(Entrypoint: EntrypointClass, wrapEnvOf: (env: Env) => Env): EntrypointClass {
  const contexts = new WeakMap<object, InvocationContext | undefined>();
  const Wrapped = class extends Entrypoint {
    constructor(ctx: unknown, env: Env) {
      super(ctx, wrapEnvOf(env));
      contexts.set(this, contextOf(ctx, env));
    }
  };
  runMethodsInInvocation(Wrapped.prototype, Entrypoint.prototype, Object.prototype, contexts);
  return Wrapped;
}

/** The invocation a handler call belongs to (its token from the platform's props), and its log capture when sampled. */
function contextOf(ctx: unknown, env: Env | undefined): InvocationContext {
  const token = tokenOf(ctx);
  return { token, capture: captureFor(ctx, env?.[LOG_SINK_BINDING], token) };
}
