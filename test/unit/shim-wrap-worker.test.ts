import { WorkerEntrypoint } from "cloudflare:workers";
import { expect, it } from "vitest";
import { wrapWorker } from "../../shims/index.ts";
import { KvNamespace } from "../../shims/kv.ts";
import { RecordingKvRunner } from "./recording-kv-runner.ts";
import { thrown } from "./thrown.ts";

type Env = Record<string, unknown>;
type Handler = (input: unknown, env: Env, ctx: unknown) => unknown;
type Wrapped = Record<string, Handler>;

const MANIFEST = { CACHE: "kv", SESSIONS: "kv" } as const;

function makeEnv() {
  const cache = new RecordingKvRunner();
  const sessions = new RecordingKvRunner();
  const settings = { region: "eu" };
  const env: Env = { CACHE: cache, SESSIONS: sessions, GREETING: "hello", SETTINGS: settings, OTHER: 7 };
  return { env, cache, sessions, settings };
}

/** An object worker whose handlers record the env they were given. */
function recordingWorker() {
  const seen: Env[] = [];
  const worker = {
    fetch(_request: unknown, env: Env) {
      seen.push(env);
      return "fetched";
    },
    scheduled(_controller: unknown, env: Env) {
      seen.push(env);
    },
  };
  return { worker, seen };
}

it("wrapWorker: object handlers get KV bindings as KvNamespace objects, whose calls carry the invocation's token", async () => {
  const { env, cache, sessions } = makeEnv();
  const worker = {
    async fetch(_request: unknown, given: Env) {
      expect(given.CACHE).toBeInstanceOf(KvNamespace);
      expect(given.SESSIONS).toBeInstanceOf(KvNamespace);
      await (given.CACHE as KvNamespace).get("a");
      await (given.SESSIONS as KvNamespace).delete("b");
    },
  };
  await (wrapWorker(worker, MANIFEST) as Wrapped).fetch?.(new Request("https://w.example/"), env, { props: { invocation: "inv-1" } });
  expect(cache.calls).toEqual([["read", "inv-1", "a", undefined]]);
  expect(sessions.calls).toEqual([["remove", "inv-1", "b"]]);
});

it("wrapWorker: calls made outside any handler carry no token (the runner refuses them)", async () => {
  const { worker, seen } = recordingWorker();
  const { env, cache } = makeEnv();
  await (wrapWorker(worker, MANIFEST) as Wrapped).fetch?.(null, env, {});
  await (seen[0]?.CACHE as KvNamespace).get("a");
  expect(cache.calls).toEqual([["read", "", "a", undefined]]);
});

it("wrapWorker: concurrent invocations each send their own token, also after awaits", async () => {
  const { env, cache } = makeEnv();
  const worker = {
    async fetch(key: unknown, given: Env) {
      await new Promise((resolve) => setTimeout(resolve, key === "slow" ? 5 : 0));
      await (given.CACHE as KvNamespace).get(String(key));
    },
  };
  const wrapped = wrapWorker(worker, MANIFEST) as Wrapped;
  await Promise.all([wrapped.fetch?.("slow", env, { props: { invocation: "one" } }), wrapped.fetch?.("fast", env, { props: { invocation: "two" } })]);
  expect(cache.calls).toEqual([
    ["read", "two", "fast", undefined],
    ["read", "one", "slow", undefined],
  ]);
});

it("wrapWorker: vars and bindings not in the manifest are passed untouched", async () => {
  const { worker, seen } = recordingWorker();
  const { env, settings } = makeEnv();
  await (wrapWorker(worker, MANIFEST) as Wrapped).fetch?.(null, env, {});
  expect(seen[0]?.GREETING).toBe("hello");
  expect(seen[0]?.SETTINGS).toBe(settings);
  expect(seen[0]?.OTHER).toBe(7);
  expect(Object.keys(seen[0] ?? {})).toEqual(["CACHE", "SESSIONS", "GREETING", "SETTINGS", "OTHER"]);
});

it("wrapWorker: the env the runtime passes is not modified", async () => {
  const { worker } = recordingWorker();
  const { env, cache } = makeEnv();
  await (wrapWorker(worker, MANIFEST) as Wrapped).fetch?.(null, env, {});
  expect(env.CACHE).toBe(cache);
});

it("wrapWorker: handlers receive the input and ctx and their result is returned", async () => {
  const calls: unknown[][] = [];
  const worker = {
    fetch(request: unknown, _env: Env, ctx: unknown) {
      calls.push([request, ctx]);
      return new Response("ok");
    },
  };
  const request = new Request("https://w.example/");
  const ctx = { waitUntil() {} };
  const response = await (wrapWorker(worker, {}) as Wrapped).fetch?.(request, {}, ctx);
  expect(await (response as Response).text()).toBe("ok");
  expect(calls).toEqual([[request, ctx]]);
  expect(calls[0]?.[0]).toBe(request);
  expect(calls[0]?.[1]).toBe(ctx);
});

it("wrapWorker: handlers are called with the user's object as this", async () => {
  const worker = {
    greeting: "hi from this",
    fetch(this: { greeting: string }) {
      return this.greeting;
    },
  };
  expect(await (wrapWorker(worker, {}) as Wrapped).fetch?.(null, {}, {})).toBe("hi from this");
});

it("wrapWorker: exposes exactly the known handlers the worker defines", () => {
  const noop = () => undefined;
  const worker = { fetch: noop, queue: noop, tail: noop, helper: noop, name: "not a handler" };
  expect(Object.keys(wrapWorker(worker, {}) as Wrapped).sort()).toEqual(["fetch", "queue", "tail"]);
  const all = { fetch: noop, scheduled: noop, queue: noop, tail: noop, email: noop, trace: noop };
  expect(Object.keys(wrapWorker(all, {}) as Wrapped).sort()).toEqual(["email", "fetch", "queue", "scheduled", "tail", "trace"]);
});

it("wrapWorker: the same env gives the same wrapped env object on every call and handler", async () => {
  const { worker, seen } = recordingWorker();
  const { env } = makeEnv();
  const wrapped = wrapWorker(worker, MANIFEST) as Wrapped;
  await wrapped.fetch?.(null, env, {});
  await wrapped.fetch?.(null, env, {});
  await wrapped.scheduled?.(null, env, {});
  expect(seen).toHaveLength(3);
  expect(seen[1]).toBe(seen[0]);
  expect(seen[2]).toBe(seen[0]);
  expect(seen[1]?.CACHE).toBe(seen[0]?.CACHE);
});

it("wrapWorker: a different env gives a different wrapped env", async () => {
  const { worker, seen } = recordingWorker();
  const wrapped = wrapWorker(worker, MANIFEST) as Wrapped;
  await wrapped.fetch?.(null, makeEnv().env, {});
  await wrapped.fetch?.(null, makeEnv().env, {});
  expect(seen[1]).not.toBe(seen[0]);
});

it("wrapWorker: a class default export is constructed with ctx and the wrapped env", () => {
  class Entrypoint {
    constructor(
      readonly ctx: unknown,
      readonly env: Env,
    ) {}
    greet() {
      return `${String(this.env.GREETING)} from a class`;
    }
  }
  const Wrapped = wrapWorker(Entrypoint, MANIFEST) as new (ctx: unknown, env: Env) => Entrypoint;
  const { env, cache } = makeEnv();
  const ctx = { id: "ctx" };
  const instance = new Wrapped(ctx, env);
  expect(instance).toBeInstanceOf(Entrypoint);
  expect(instance.ctx).toBe(ctx);
  expect(instance.env.CACHE).toBeInstanceOf(KvNamespace);
  expect(instance.env.GREETING).toBe("hello");
  expect(instance.greet()).toBe("hello from a class");
  expect(env.CACHE).toBe(cache);
});

it("wrapWorker: class instances built with the same env share one wrapped env", () => {
  class Entrypoint {
    constructor(
      readonly ctx: unknown,
      readonly env: Env,
    ) {}
  }
  const Wrapped = wrapWorker(Entrypoint, MANIFEST) as new (ctx: unknown, env: Env) => Entrypoint;
  const { env } = makeEnv();
  expect(new Wrapped({}, env).env).toBe(new Wrapped({}, env).env);
});

it("wrapWorker: an event listener added during an invocation runs in it (a WebSocket's message handler)", async () => {
  const { env, cache } = makeEnv();
  const target = new EventTarget();
  const worker = {
    fetch(_request: unknown, given: Env) {
      target.addEventListener("ping", () => void (given.CACHE as KvNamespace).get("p"));
    },
  };
  await (wrapWorker(worker, MANIFEST) as Wrapped).fetch?.(null, env, { props: { invocation: "socket-1" } });
  target.dispatchEvent(new Event("ping"));
  expect(cache.calls).toEqual([["read", "socket-1", "p", undefined]]);
});

it("wrapWorker: a class's methods run inside the invocation its instance was made for", async () => {
  class Api extends WorkerEntrypoint<Env> {
    async lookup(key: string) {
      return (this.env.CACHE as KvNamespace).get(key);
    }
  }
  const Wrapped = wrapWorker(Api, MANIFEST) as new (ctx: unknown, env: Env) => Api;
  const { env, cache } = makeEnv();
  await new Wrapped({ props: { invocation: "rpc-1" } }, env).lookup("k");
  expect(cache.calls).toEqual([["read", "rpc-1", "k", undefined]]);
});

it("wrapWorker: a WorkerEntrypoint subclass sees the wrapped env as this.env", () => {
  class Api extends WorkerEntrypoint<Env> {
    cache() {
      return this.env.CACHE;
    }
  }
  const Wrapped = wrapWorker(Api, MANIFEST) as new (ctx: ExecutionContext, env: Env) => Api;
  const api = new Wrapped({} as ExecutionContext, makeEnv().env);
  expect(api).toBeInstanceOf(WorkerEntrypoint);
  expect(api.cache()).toBeInstanceOf(KvNamespace);
});

it("wrapWorker: a missing default export is a clear error", () => {
  const message = "Error: The worker has no default export. Outpost runs ES module workers: `export default { fetch(request, env, ctx) { … } }`.";
  expect(thrown(() => wrapWorker(undefined, {}))).toBe(message);
  expect(thrown(() => wrapWorker(null, {}))).toBe(message);
});
