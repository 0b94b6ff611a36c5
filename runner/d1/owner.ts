// Who serves a database. Every call to a database's object goes through d1Object(): the placement
// layer (runner/owners) runs it in the process that owns the database now, on this host or
// another, so each database has exactly one writer however many processes and hosts serve it, and
// copies it to the blob store as statements (object.ts, snapshot) for a takeover after a lost host.
import type { Env } from "../env.ts";
import type { Invocation } from "../logs/journal.ts";
import { type ObjectInstance, registerKind } from "../owners/kinds.ts";
import { ObjectUnavailable } from "../owners/errors.ts";
import { callObject, forgetObject } from "../owners/placement.ts";
import { OutsideHistory, type Point, pointAt, restoreTo } from "../owners/history.ts";
import type { D1Answer, D1ObjectStub, D1Query, LogRow } from "./contract.ts";

export const KIND = "d1";

/** A time-travel step's answer from the owner: a point (and the one a restore replaced), or why not. */
export type TravelAnswer = { point: Point; previous?: Point } | { refused: string };

/** A refusal travels as an answer, not an error: a forwarded call's error reaches the caller as an internal one. */
async function refusedAsAnswer(step: () => Promise<{ point: Point; previous?: Point }>): Promise<TravelAnswer> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof OutsideHistory) return { refused: error.message };
    throw error;
  }
}

/** A statement that only reads (a WITH may write, a PRAGMA may set): any other may change the database. */
const PLAIN_READ = /^\s*(SELECT|VALUES|EXPLAIN)\b/i;

const localObject = (env: Env, id: string) => env.D1.get(env.D1.idFromName(id));

registerKind(KIND, {
  // Not snapshot, restore or the log's: those are the owner's own (its copies), never a forwarded call's.
  methods: ["query", "erase"] satisfies (keyof D1ObjectStub)[],
  local: (env, id) => localObject(env, id) as unknown as ObjectInstance,
  ownerMethods: {
    pointAt: (env, id, hold, at: number | null) => refusedAsAnswer(async () => ({ point: await pointAt(env, KIND, id, hold, at) })),
    restoreTo: (env, id, hold, seq: number) =>
      refusedAsAnswer(async () => {
        const { restored, previous } = await restoreTo(env, KIND, id, hold, seq);
        return { point: restored, previous };
      }),
  },
  copies: {
    take: async (env, id) => {
      const { statements, position } = await localObject(env, id).snapshot();
      return { copy: JSON.stringify(statements), position };
    },
    restore: (env, id, copy, log, mark) => localObject(env, id).restore(copy === null ? [] : (JSON.parse(copy) as string[]), log, mark),
    // A query that committed (erase answers nothing, and its database is forgotten). `changed_db`
    // misses a change that leaves the file's size and the counters as they were (DROP INDEX), so any
    // statement but a plain read counts: at worst a copy is taken that was not needed.
    changed: (args, result) => {
      const answer = result as D1Answer | undefined;
      if (answer?.ok !== true) return false;
      const queries = args[0] as D1Query[];
      return answer.results.some((statement) => statement.meta.changed_db) || queries.some((query) => !PLAIN_READ.test(query.sql));
    },
  },
  log: {
    // RPC's types turn a tuple into an array; the rows are as the object wrote them.
    after: async (env, id, seq, maxBytes) => (await localObject(env, id).logAfter(seq, maxBytes)) as LogRow[],
    trim: (env, id, seq) => localObject(env, id).trimLog(seq),
    position: (env, id) => localObject(env, id).position(),
  },
});

/** The database's object wherever its owner is; `invocation`: the tenant's call it runs for, journaled by an owner elsewhere. */
export function d1Object(env: Env, databaseId: string, invocation?: Invocation): D1ObjectStub {
  return {
    // A database that cannot be served now (its owner's host gone, its files not current here) is
    // the tenant's to hear about, as D1's error with the reason, not as an internal failure.
    query: (...args: Parameters<D1ObjectStub["query"]>) =>
      (callObject(env, KIND, databaseId, "query", args, invocation) as Promise<D1Answer>).catch((error: unknown) => {
        if (error instanceof ObjectUnavailable) return { ok: false, error: `Database unavailable: ${error.message}.`, index: 0 } satisfies D1Answer;
        throw error;
      }),
    // Only a deleted database is erased: its object is forgotten once empty.
    erase: async () => {
      await callObject(env, KIND, databaseId, "erase", []);
      await forgetObject(env, KIND, databaseId);
    },
  };
}
