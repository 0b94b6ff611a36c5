// The kinds of single-owner objects the placement layer places. A kind says which methods of its
// object may be called (a forwarded call names one) and how this process reaches its own instance;
// D1 registers "d1" (runner/d1/owner.ts), Durable Objects will register theirs.
import type { Env } from "../env.ts";
import type { Held } from "./holds.ts";
import type { LogMark, LogRow } from "./log-rows.ts";

/** A method of an object as the placement layer calls it: arguments and result travel by codec.ts. */
export type ObjectMethod = (...args: never[]) => Promise<unknown>;

/** This process's instance of an object: a Durable Object stub, its files in this process's seat. */
export type ObjectInstance = Record<string, ObjectMethod>;

export interface ObjectKind {
  methods: readonly string[];
  /** Methods run by the owner's process itself, not its instance: what needs the blob store (D1's time travel). */
  ownerMethods?: Record<string, (env: Env, id: string, hold: Held, ...args: never[]) => Promise<unknown>>;
  local(env: Env, id: string): ObjectInstance;
  /** How the object is copied to the blob store and back (snapshots.ts): a host lost loses at most the writes since its newest copy. */
  copies: {
    /** A consistent copy, taken inside the object by its owner, as a stream of its bytes, and its log's position then. */
    take(env: Env, id: string): Promise<{ copy: ReadableStream<Uint8Array>; position: number }>;
    /** Replaces this seat's object by a copy (null: the empty object) and the log rows after it; answers the mark's seq. */
    restore(env: Env, id: string, copy: ReadableStream<Uint8Array> | null, log: LogRow[], mark: LogMark): Promise<number>;
    /** Whether a call (its arguments and result) may have changed the object: a copy is due. */
    changed(args: unknown[], result: unknown): boolean;
  };
  /** The object's write log (logs.ts): every commit, shipped to the blob store by its owner. */
  log: {
    /** Its rows after `seq`: whole commits, about `maxBytes` at most. */
    after(env: Env, id: string, seq: number, maxBytes: number): Promise<LogRow[]>;
    /** Forgets its rows before `seq` (shipped). */
    trim(env: Env, id: string, seq: number): Promise<void>;
    /** Its newest row: the object's current commit. */
    position(env: Env, id: string): Promise<{ seq: number; at: number | null }>;
  };
}

const kinds = new Map<string, ObjectKind>();

export function registerKind(name: string, kind: ObjectKind): void {
  kinds.set(name, kind);
}

export function kindNamed(name: string): ObjectKind | undefined {
  return kinds.get(name);
}

/** A kind that must be registered: an object of it is held or restored here. */
export function registeredKind(name: string): ObjectKind {
  const kind = kinds.get(name);
  if (!kind) throw new Error(`no object kind ${name}`);
  return kind;
}
