// One owner per object, anywhere: every call to a placed object goes through callObject(). The
// process that holds the object's lease runs the call on its own instance; any other process
// forwards it to the owner's private address (wire.ts) and the owner checks the generation first.
// A process takes an object nobody serves when its files are in this process's seat (or it is
// new), recording the generation in the seat before it serves it; when that seat's files are
// lost, or its owner was on another host, it restores the object's newest copy from the blob store
// (snapshots.ts). An owner answers no call after its fence deadline (lease.ts): one that failed to
// renew in time has stopped serving.
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { Invocation } from "../logs/journal.ts";
import { log } from "../logs/log.ts";
import { thisProcess } from "./identity.ts";
import { kindNamed, registeredKind } from "./kinds.ts";
import { type Held, held, holds, keyOf } from "./holds.ts";
import { type TakeoverSource, fenceDeadline, staleCopy, staleFiles, takeoverFrom } from "./lease.ts";
import { recordGeneration, recordedGeneration } from "./seat.ts";
import { copyState, forgetCopies, newestCopy, readBlobStream, recordEmptyCopy } from "./snapshots.ts";
import { shippedRows } from "./history.ts";
import { shippedSeq } from "./logs.ts";
import type { SnapshotRow } from "./snapshot-sql.ts";
import { OWNER_SQL, type OwnerRow } from "./sql.ts";
import { type Forwarded, type Target, Unreached, forwardCall } from "./wire.ts";
import { ObjectUnavailable } from "./errors.ts";
import { randomHex } from "../encoding.ts";

/** Owners elsewhere, as last looked up: kept briefly, dropped on "moved" or a failed connection. */
const known = new Map<string, Target & { until: number }>();
const KNOWN_MS = 1000;
/** Owners remembered at most: one entry per object called lately, the oldest forgotten first. */
const KNOWN_MAX = 10_000;
/** Lookups and forwards of one call before it gives up (each "moved" answer takes one). */
const ATTEMPTS = 4;
/** How long a call waits for another seat of this host to adopt an object it holds the files of (the supervisor ticks every second). */
const ADOPTION_WAIT_MS = 3000;
const ADOPTION_POLL_MS = 100;

/** Runs `method` of object `id` of `kind` where its owner is; an owner elsewhere journals it as `invocation`, when given. */
export async function callObject(env: Env, kind: string, id: string, method: string, args: unknown[], invocation?: Invocation): Promise<unknown> {
  const key = keyOf(kind, id);
  const call = randomHex();
  // The owner a send failed to reach: the call is sent again only to that same owner, which runs it
  // only if it did not arrive the first time (a pooled connection it had closed); anywhere else it
  // might run twice.
  let unreached: { target: Target; error: Unreached } | null = null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const mine = held.get(key);
    if (mine && Date.now() < mine.deadline) {
      if (unreached) break;
      return runHeld(env, kind, id, mine, method, args);
    }
    if (mine) held.delete(key); // its lease lapsed here: taken again below, at a new generation
    const cached = known.get(key);
    const owner = cached && cached.until > Date.now() ? cached : await place(env, kind, id);
    if (unreached && ("held" in owner || owner.address !== unreached.target.address || owner.generation !== unreached.target.generation)) break;
    if ("held" in owner) return runHeld(env, kind, id, owner.held, method, args);
    let answer: Forwarded;
    try {
      answer = await forwardCall(env, owner, { kind, id, call, method, args, ...(invocation ? { invocation } : {}) });
    } catch (error) {
      if (!(error instanceof Unreached)) throw error;
      known.delete(key);
      if (unreached) break;
      // An owner that let go gracefully had answered every call it ran (it waits for them, then
      // releases, then stops): the lost connection was an idle one it closed as it stopped.
      if ((await releasedGeneration(env, kind, id)) === owner.generation) continue;
      unreached = { target: owner, error };
      continue;
    }
    if (!answer.moved) return answer.result;
    if (unreached) break; // not run there now; but it may have run where the first send went
    known.delete(key);
  }
  if (unreached) {
    throw new ObjectUnavailable(`its owner at ${unreached.target.address} does not answer (${unreached.error.message}); the call may or may not have run`);
  }
  throw new ObjectUnavailable("its owner kept moving while the call was sent");
}

async function releasedGeneration(env: Env, kind: string, id: string): Promise<number | null> {
  const [row] = await database(env).query(OWNER_SQL.released, [kind, id]);
  return row?.generation ? Number(row.generation) : null;
}

/** The object's owner elsewhere, or this process's hold on it (taken now when it may be). */
async function place(env: Env, kind: string, id: string): Promise<Target | { held: Held }> {
  const here = thisProcess(env);
  const waitUntil = Date.now() + ADOPTION_WAIT_MS;
  for (;;) {
    const [row] = await database(env).query(OWNER_SQL.owner, [kind, id]);
    if (row?.live && row.boot !== here.boot && row.address) {
      const target = { address: row.address, generation: Number(row.generation), until: Date.now() + KNOWN_MS };
      known.delete(keyOf(kind, id));
      known.set(keyOf(kind, id), target);
      if (known.size > KNOWN_MAX) known.delete(known.keys().next().value as string);
      return target;
    }
    const facts = row && { host: row.host, seat: row.seat, live: row.live, lapsedSeconds: row.lapsed_seconds, handedOver: row.handed_over };
    const source = facts ? takeoverFrom(facts, here, env.CONFIG.ownerLeaseSeconds) : "seat";
    const refusal = typeof source === "object" ? source.refused : null;
    if (typeof source === "string" && !holds.retiring) {
      const taken = await take(env, kind, id, row ?? null, source);
      if (taken) return { held: taken };
      continue; // another process came first: look again
    }
    // Another process of this host holds the files: it adopts them within a tick (adoptOrphans).
    const adoptable = row && row.host === here.host && row.seat !== here.seat;
    if ((!adoptable && !holds.retiring) || Date.now() > waitUntil) throw new ObjectUnavailable(refusal ?? "this process is handing its objects over");
    await new Promise((resolve) => setTimeout(resolve, ADOPTION_POLL_MS));
  }
}

/**
 * Takes the object (one statement), after checking that this seat's files are current and
 * recording the generation it will be taken at; from its newest copy when they are not, or when
 * `source` says so. Null when another process took it first.
 */
export async function take(
  env: Env,
  kind: string,
  id: string,
  row: Pick<OwnerRow, "generation" | "seat_since"> | null,
  source: TakeoverSource = "seat",
): Promise<Held | null> {
  const here = thisProcess(env);
  const generation = row ? Number(row.generation) : 0;
  if (row) {
    const stale = source === "snapshot" ? "its owner was on another host" : staleFiles(await recordedGeneration(env, kind, id), Number(row.seat_since));
    if (stale) return takeFromCopy(env, kind, id, generation, stale);
  } else {
    await recordEmptyCopy(env, kind, id);
  }
  // Before the lease: a record is never older than the files it speaks for.
  await recordGeneration(env, kind, id, generation + 1);
  const lease = env.CONFIG.ownerLeaseSeconds;
  const sentAt = Date.now();
  const params = [kind, id, here.host, here.seat, here.address, here.boot, lease];
  const [taken] = row ? await database(env).query(OWNER_SQL.takeOver, [...params, generation]) : await database(env).query(OWNER_SQL.create, params);
  if (!taken) return null;
  // Taken from its own files after a crash, it may hold writes no copy has: one is due, and its log
  // after what was shipped.
  const shipped = row ? await shippedSeq(env, kind, id) : 0;
  const hold: Held = { generation: Number(taken.generation), deadline: fenceDeadline(sentAt, lease), calls: 0, ...copyState(row !== null, shipped) };
  held.set(keyOf(kind, id), hold);
  known.delete(keyOf(kind, id));
  log.info(`took ${kind} ${id} at generation ${hold.generation}`, { kind, object: id, generation: hold.generation, seat: here.seat });
  return hold;
}

/**
 * Takes the object into this seat and restores its newest copy there, and its shipped log after
 * that copy: the lease first, so nothing is published meanwhile (only its owner at the new
 * generation publishes a copy or a segment); the seat's record last, so a restore cut short is
 * restored again. Refused when it has no copy (held before copies were taken): nothing says
 * whether it was written.
 */
async function takeFromCopy(env: Env, kind: string, id: string, generation: number, why: string): Promise<Held | null> {
  usableCopy(await newestCopy(env, kind, id), why);
  const here = thisProcess(env);
  const lease = env.CONFIG.ownerLeaseSeconds;
  const sentAt = Date.now();
  const [taken] = await database(env).query(OWNER_SQL.moveHere, [kind, id, here.host, here.seat, here.address, here.boot, lease, generation]);
  if (!taken) return null;
  const takenAt = Number(taken.generation);
  let copy: SnapshotRow;
  let mark: number;
  try {
    // Read again under the lease: the copy checked above may have been replaced since.
    copy = usableCopy(await newestCopy(env, kind, id), why);
    mark = await restoreWithLog(env, kind, id, copy);
    await recordGeneration(env, kind, id, takenAt, Number(copy.generation));
  } catch (error) {
    await database(env).query(OWNER_SQL.releaseOne, [kind, id, here.boot, takenAt]);
    throw error instanceof ObjectUnavailable
      ? error
      : new ObjectUnavailable(`${why}, and its snapshot and log could not be restored: ${error instanceof Error ? error.message : String(error)}`);
  }
  const hold: Held = { generation: takenAt, deadline: fenceDeadline(sentAt, lease), calls: 0, ...copyState(false, mark) };
  held.set(keyOf(kind, id), hold);
  known.delete(keyOf(kind, id));
  const from = { copyGeneration: Number(copy.generation), copyTakenAt: copy.taken_at.toISOString(), logThrough: mark };
  log.warn(
    `took ${kind} ${id} at generation ${takenAt} from its snapshot of generation ${from.copyGeneration} taken at ${from.copyTakenAt} and its log through ${mark} (${why})`,
    {
      kind,
      object: id,
      generation: takenAt,
      seat: here.seat,
      ...from,
    },
  );
  return hold;
}

/**
 * Restores the copy and the shipped log after it; answers the seq the object's log is shipped
 * through (its last commit restored; or the last row shipped, when a transaction's first rows were
 * shipped without its end: the log then starts again with a row that voids them).
 */
async function restoreWithLog(env: Env, kind: string, id: string, copy: SnapshotRow): Promise<number> {
  const shipped = await shippedSeq(env, kind, id);
  const position = copy.position === null ? null : Number(copy.position);
  const { rows, through } = position === null ? { rows: [], through: null } : await shippedRows(env, kind, id, position, null);
  const reached = through?.seq ?? position ?? 0;
  const copyBytes = await readBlobStream(env, copy.blob, copy.size_bytes);
  const restore = registeredKind(kind).copies.restore;
  if (reached >= shipped) return restore(env, id, copyBytes, rows, { op: "C", seq: reached, at: through?.at ?? copy.taken_at.getTime() });
  // Rows were shipped past the last whole transaction: the start of one whose end was lost with
  // its owner. The log starts again with a row that voids them, shipped like any other.
  log.warn(`restored ${kind} ${id} through ${reached}; its shipped rows after that, to ${shipped}, are of a transaction never shipped whole, and void`, {
    kind,
    object: id,
  });
  await restore(env, id, copyBytes, rows, { op: "A", seq: shipped + 1, at: Date.now() });
  return shipped;
}

/** The copy a takeover restores, or why none may be: there is none, or it is known to be stale. */
function usableCopy(copy: SnapshotRow | null, why: string): SnapshotRow {
  if (!copy) throw new ObjectUnavailable(`${why}, and no snapshot of it is in the blob store`);
  if (copy.failing_since) throw new ObjectUnavailable(staleCopy(why, copy.failing_since, copy.failing_reason));
  return copy;
}

/** Runs a call on this process's instance, acknowledged only within the fence deadline. */
async function runHeld(env: Env, kind: string, id: string, hold: Held, method: string, args: unknown[]): Promise<unknown> {
  const type = kindNamed(kind);
  // Own properties only: `constructor` and the like are every object's, and no method.
  const ownerMethod = type?.ownerMethods && Object.hasOwn(type.ownerMethods, method) ? type.ownerMethods[method] : undefined;
  if (!type || (!ownerMethod && !type.methods.includes(method))) throw new Error(`${kind} objects have no method ${method}`);
  hold.calls++;
  try {
    if (ownerMethod) return await ownerMethod(env, id, hold, ...(args as never[]));
    // Called on the stub itself: a stub's property is a remote method, so no .apply() or .call().
    const result = await type.local(env, id)[method]?.(...(args as never[]));
    if (type.copies.changed(args, result)) {
      hold.changed = true;
      hold.unshipped = true;
    }
    if (Date.now() >= hold.deadline) throw new ObjectUnavailable("its owner's lease ran out while the call ran; it may or may not have taken effect");
    return result;
  } finally {
    hold.calls--;
  }
}

/**
 * A call forwarded here (serve.ts): run when this process serves the object at that generation,
 * else `moved` and why.
 */
export async function runForwarded(env: Env, kind: string, id: string, generation: number, method: string, args: unknown[]): Promise<Forwarded> {
  const hold = held.get(keyOf(kind, id));
  if (!hold || hold.generation !== generation) {
    // Letting go, it answers once it has (after its final copies): the caller then finds the object
    // released, and soon its next owner, rather than this process's row still live.
    if (holds.retiring) await holds.released;
    return { moved: true, why: `not the owner of ${kind} ${id} at generation ${generation}` };
  }
  if (Date.now() >= hold.deadline) return { moved: true, why: `the lease of ${kind} ${id} ran out here` };
  return { moved: false, result: await runHeld(env, kind, id, hold, method, args) };
}

/**
 * Forgets an object that is gone for good, once its last call has run: its row goes, so no seat
 * renews or adopts it again. The owner, wherever it is, stops serving it at its next renewal.
 */
export async function forgetObject(env: Env, kind: string, id: string): Promise<void> {
  await database(env).query(OWNER_SQL.forget, [kind, id]);
  await forgetCopies(env, kind, id);
  held.delete(keyOf(kind, id));
  known.delete(keyOf(kind, id));
}
