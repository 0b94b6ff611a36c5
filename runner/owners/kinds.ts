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
}

const kinds = new Map<string, ObjectKind>();

export function registerKind(name: string, kind: ObjectKind): void {
  kinds.set(name, kind);
}

export function kindNamed(name: string): ObjectKind | undefined {
  return kinds.get(name);
}
