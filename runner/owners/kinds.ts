// The kinds of single-owner objects the placement layer places. A kind says which methods of its
// object may be called (a forwarded call names one) and how this process reaches its own instance;
// D1 registers "d1" (runner/d1/owner.ts), Durable Objects will register theirs.
import type { Env } from "../env.ts";

/** A method of an object as the placement layer calls it: arguments and result travel by codec.ts. */
export type ObjectMethod = (...args: never[]) => Promise<unknown>;

/** This process's instance of an object: a Durable Object stub, its files in this process's seat. */
export type ObjectInstance = Record<string, ObjectMethod>;

export interface ObjectKind {
  methods: readonly string[];
  local(env: Env, id: string): ObjectInstance;
  /** How the object is copied to the blob store and back (snapshots.ts): a host lost loses at most the writes since its newest copy. */
  copies: {
    /** A consistent copy, taken inside the object by its owner. */
    take(env: Env, id: string): Promise<string>;
    /** Replaces this seat's object by a copy (null: the empty object). */
    restore(env: Env, id: string, copy: string | null): Promise<void>;
    /** Whether a call (its arguments and result) may have changed the object: a copy is due. */
    changed(args: unknown[], result: unknown): boolean;
  };
}

const kinds = new Map<string, ObjectKind>();

export function registerKind(name: string, kind: ObjectKind): void {
  kinds.set(name, kind);
}

export function kindNamed(name: string): ObjectKind | undefined {
  return kinds.get(name);
}
