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
import { copyStatements, copyStream } from "./copy-stream.ts";
import { yieldToIo } from "../yield-to-io.ts";

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

/** About how much one call to the object carries of a copy or a restore (an RPC call carries at most 32 MiB). */
const PIECE_BYTES = 8 * 1024 * 1024;

/** The log rows, in pieces of about PIECE_BYTES. */
function* logPieces(rows: LogRow[]): Generator<LogRow[]> {
  let piece: LogRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    piece.push(row);
    bytes += 32 + valueBytes(row[4]);
    if (bytes >= PIECE_BYTES) {
      yield piece;
      [piece, bytes] = [[], 0];
    }
  }
  if (piece.length > 0) yield piece;
}

const valueBytes = (value: LogRow[4]) => (value instanceof Uint8Array ? value.byteLength : typeof value === "string" ? value.length : 8);

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
      const object = localObject(env, id);
      const { position } = await object.snapshot();
      let after: number | null = 0;
      const copy = copyStream(async () => {
        if (after === null) {
          await object.copyTaken();
          return null;
        }
        const piece: { statements: string[]; next: number | null } = await object.copyPiece(after, PIECE_BYTES);
        after = piece.next;
        await yieldToIo();
        return piece.statements;
      });
      return { copy, position };
    },
    restore: async (env, id, copy, log, mark) => {
      const object = localObject(env, id);
      let first = true;
      const stage = async (statements: string[], rows: LogRow[]) => {
        await object.stageRestore(first, statements, rows);
        first = false;
        await yieldToIo();
      };
      if (copy) for await (const statements of copyStatements(copy, PIECE_BYTES)) await stage(statements, []);
      for (const rows of logPieces(log)) await stage([], rows);
      if (first) await stage([], []);
      return object.restore(mark);
    },
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
