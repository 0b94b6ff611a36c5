// The tenant side of the invocation token (runner/limits/invocations.ts). The platform hands each
// handler call a token in `ctx.props.invocation`; the wrapper runs the handler inside an
// AsyncLocalStorage holding it, and every binding call and fetch() made from that handler (or its
// waitUntil work) sends it back, so the runner can count and limit that invocation's I/O. The
// runner checks every token against the stub's own tenant and worker: tenant code that reads,
// drops or swaps tokens can only spend its own invocations' limits or lose its I/O.
// The same context carries the invocation's log capture (shims/log-capture.ts) when the platform
// sampled it for logging.
import { AsyncLocalStorage } from "node:async_hooks";
import type { WithInvocation } from "../runner/limits/guard.ts";
import { INVOCATION_HEADER } from "../runner/egress/contract.ts";
import type { LogCapture } from "./log-capture.ts";

/** What the shims know of the invocation a piece of tenant code runs in. */
export interface InvocationContext {
  token: string | undefined;
  /** Its console lines and exceptions, kept for the runner; null when it is not sampled. */
  capture: LogCapture | null;
}

const current = new AsyncLocalStorage<InvocationContext | undefined>();

/** The token a handler was called with (absent on a call the platform did not begin). */
export function tokenOf(ctx: unknown): string | undefined {
  const props = (ctx as { props?: { invocation?: unknown } } | null | undefined)?.props;
  return typeof props?.invocation === "string" ? props.invocation : undefined;
}

/** The invocation a piece of tenant code runs in (undefined outside any: the top level). */
export function currentInvocation(): InvocationContext | undefined {
  return current.getStore();
}

/**
 * Runs a handler call as part of its invocation. With a capture, an exception it throws is kept,
 * and what was captured is handed over when the call settles.
 */
export function inInvocation<T>(context: InvocationContext, run: () => T): T {
  const { capture } = context;
  if (!capture) return current.run(context, run);
  const failed = (error: unknown): never => {
    capture.exception(error);
    capture.settled();
    throw error;
  };
  let result: T;
  try {
    result = current.run(context, run);
  } catch (error) {
    return failed(error);
  }
  if (!(result instanceof Promise)) return capture.settled(result) as T;
  return result.then((value: unknown) => capture.settled(value), failed) as T;
}

/**
 * Defines on `target` a wrapper of every method reachable from `from` up to (not including)
 * `stop`, the nearest definition of each name winning as in method lookup: the wrapper runs the
 * method in the invocation `contexts` holds for the instance it is called on.
 */
export function runMethodsInInvocation(target: object, from: object, stop: object, contexts: WeakMap<object, InvocationContext | undefined>): void {
  const seen = new Set(["constructor"]);
  for (let proto: object | null = from; proto && proto !== stop; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
      const method = descriptor.value as unknown;
      if (typeof method !== "function") continue;
      Object.defineProperty(target, name, {
        ...descriptor,
        value(this: object, ...args: unknown[]) {
          const context = contexts.get(this);
          return context ? inInvocation(context, () => method.apply(this, args)) : current.run(undefined, () => method.apply(this, args));
        },
      });
    }
  }
}

/**
 * `RpcTarget` for the worker's own classes (the platform's `cloudflare:workers` exports it): workerd
 * calls an RpcTarget's methods, when another worker calls them over JS RPC, outside the invocation
 * that made it, so each instance remembers that invocation and its methods run in it.
 */
export function rpcTargetInInvocation<Base extends abstract new () => object>(RpcTarget: Base): Base {
  const contexts = new WeakMap<object, InvocationContext | undefined>();
  const wrapped = new WeakSet<object>();
  const InInvocation = class extends (RpcTarget as unknown as new () => object) {
    constructor() {
      super();
      contexts.set(this, current.getStore());
      const proto = new.target.prototype as object;
      if (!wrapped.has(proto)) {
        wrapped.add(proto);
        runMethodsInInvocation(proto, proto, InInvocation.prototype, contexts);
      }
    }
  };
  return InInvocation as unknown as Base;
}

/** A function handed to another worker over JS RPC runs, when called back, in the invocation that handed it. */
export function bindToInvocation(value: unknown): unknown {
  if (typeof value !== "function") return value;
  const context = current.getStore();
  const callback = value as (...args: unknown[]) => unknown;
  return (...args: unknown[]) => current.run(context, () => callback(...args));
}

/** The shim's view of a binding stub: each method call sends the current invocation's token first. */
export function forwardInvocation<Runner extends object>(stub: WithInvocation<Runner>): Runner {
  const methods = stub as unknown as Record<string, (...args: unknown[]) => unknown>;
  return new Proxy({} as Runner, {
    get(_, name) {
      if (typeof name !== "string" || name === "then") return undefined;
      return (...args: unknown[]) => methods[name]!(current.getStore()?.token ?? "", ...args);
    },
  });
}

/** Replaces the global fetch() with one that tells the platform's egress which invocation it belongs to. */
export function forwardInvocationOnFetch(global: { fetch: typeof fetch }): void {
  const original = global.fetch;
  global.fetch = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    request.headers.set(INVOCATION_HEADER, current.getStore()?.token ?? "");
    return original(request);
  };
}

type Listener = (this: unknown, ...args: unknown[]) => unknown;
type ListenerMethods = {
  addEventListener(type: string, listener: unknown, options?: unknown): void;
  removeEventListener(type: string, listener: unknown, options?: unknown): void;
};

/**
 * Event listeners (a WebSocket's "message", …) run in the invocation that added them: workerd
 * does not carry the async context into event dispatch, so without this a WebSocket handler's
 * binding calls would carry no token. Applied to EventTarget.prototype.
 */
export function keepInvocationInListeners(target: ListenerMethods): void {
  const { addEventListener, removeEventListener } = target;
  const wrappers = new WeakMap<Listener, Listener>();
  target.addEventListener = function (this: unknown, type: string, listener: unknown, options?: unknown) {
    let given = listener;
    if (typeof listener === "function") {
      const context = current.getStore();
      let wrapper = wrappers.get(listener as Listener);
      if (!wrapper) {
        const original = listener as Listener;
        wrapper = function (this: unknown, ...args: unknown[]) {
          return current.run(context, () => original.apply(this, args));
        };
        wrappers.set(original, wrapper);
      }
      given = wrapper;
    }
    addEventListener.call(this, type, given, options);
  };
  target.removeEventListener = function (this: unknown, type: string, listener: unknown, options?: unknown) {
    const wrapper = typeof listener === "function" ? wrappers.get(listener as Listener) : undefined;
    removeEventListener.call(this, type, wrapper ?? listener, options);
  };
}
