// What the binding registry (registry.ts) knows of one kind: a deploy field that goes into a
// version's bindings. Each kind is defined in its own folder (runner/kv/binding.ts, …); these
// are the types they fill in, and the runner's own entrypoints as the loader mints them.
import type { z } from "zod/v4";
import type { Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { AssetsProps } from "../assets/contract.ts";
import type { D1Props, D1Runner } from "../d1/contract.ts";
import type { Invocation } from "../logs/journal.ts";
import type { EgressProps } from "../egress/contract.ts";
import type { KvBulkRunner, KvProps, KvRunner } from "../kv/contract.ts";
import type { TailProps, Who } from "../logs/events.ts";
import type { LogSinkRunner } from "../logs/capture-contract.ts";
import type { QueueProps, QueueRunner } from "../queue/contract.ts";
import type { R2Props, R2Runner } from "../r2/contract.ts";
import type { ServiceProps, ServiceRunner } from "../services/contract.ts";
import type { VaultProps, VaultRunner } from "../vault/contract.ts";
import type { WithInvocation } from "../limits/guard.ts";

/**
 * Which shim wraps a binding's stub in the tenant isolate (shims/index.ts has one builder per key),
 * and the contract that stub speaks: the shim's view; on the wire each method takes the
 * invocation token first (WithInvocation, added by shims/invocation.ts).
 */
export interface ShimStubs {
  kv: KvRunner;
  r2: R2Runner;
  service: ServiceRunner;
  vault: VaultRunner;
  secretsStore: VaultRunner;
  queue: QueueRunner;
  d1: D1Runner;
}

export type ShimKind = keyof ShimStubs;

/** What the shims must build for each binding name: the tenant isolate's `__outpost_bindings.json`. */
export type BindingManifest = Record<string, ShimKind>;

/** A stub of one of the runner's own entrypoints with `props` fixed, speaking its binding's contract. */
type Loopback<Props, Runner = unknown> = (options: { props: Props }) => Fetcher & Runner;

/** `ctx.exports`: the entrypoint classes runner/index.ts exports, as loopback bindings. */
export interface RunnerExports {
  Kv: Loopback<KvProps, WithInvocation<KvRunner & KvBulkRunner>>;
  R2: Loopback<R2Props, WithInvocation<R2Runner>>;
  Vault: Loopback<VaultProps, WithInvocation<VaultRunner>>;
  Queue: Loopback<QueueProps, WithInvocation<QueueRunner>>;
  Service: Loopback<ServiceProps, WithInvocation<ServiceRunner>>;
  D1: Loopback<D1Props, WithInvocation<D1Runner>>;
  Assets: Loopback<AssetsProps>;
  Egress: Loopback<EgressProps>;
  Tail: Loopback<TailProps>;
  LogSink: Loopback<Who, LogSinkRunner>;
}

/** workerd's `ctx.exports`, which workers-types leaves untyped without a generated `Cloudflare.GlobalProps`. */
export function runnerExports(ctx: ExecutionContext): RunnerExports {
  return (ctx as unknown as { exports: RunnerExports }).exports;
}

/** What minting a version's env values may use; the identity in each stub's props comes from here. */
export interface MintScope {
  env: Env;
  exports: RunnerExports;
  tenant: string;
  worker: string;
  versionId: string;
  /** What the invocation journal says of a call into this version: an owner elsewhere journals its forwarded calls as this (runner/owners/serve.ts). */
  invocation: Invocation;
  compatibilityDate: string;
  compatibilityFlags: string[];
}

/**
 * One kind: `Schema` parses its deploy field, `Stored` is its piece of the version's bindings
 * JSON. Methods, not function-typed properties, so the registry can hold every kind in one list
 * (method parameters are bivariant); each kind's own definition is still checked in full.
 */
export interface BindingKind<Schema extends z.ZodType, Stored extends object> {
  /** The deploy body's field (runner/admin/schemas.ts spreads every kind's into DeploySchema). */
  schema: Schema;
  /**
   * The field's piece of the version's bindings (hashed into the version id). Keys are absent
   * when unused, so versions deployed before a kind existed keep their ids.
   */
  store(input: z.output<Schema>): Stored;
  /** The tenant's resources the deploy creates in its transaction (a no-op for existing ones). */
  create?(tenant: string, input: z.output<Schema>): Statement;
  /** The env names it gives a worker; absent for settings that give none (crons). */
  env?: {
    /** What "Binding X is declared twice (… and …)" calls it. */
    label: string;
    names(stored: Stored): string[];
    /** The shim that wraps each stub; absent when the value is used as is (vars, the assets Fetcher). */
    shim?: ShimKind;
    /** The env values by name: stubs minted with their props, or plain values. */
    mint(scope: MintScope, stored: Stored): [string, unknown][] | Promise<[string, unknown][]>;
  };
}

/** Any kind, as the registry iterates them. */
export type SomeBindingKind = BindingKind<z.ZodType, object>;
