// Keeping the leases of the objects this process owns, on the supervisor's beat (owners/admin.ts):
// renewals, adopting the seat's orphans, letting go of a lapsed lease, and of everything before a
// graceful stop, after a final copy of each changed object (snapshots.ts).
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { errorText, log } from "../logs/log.ts";
import { type Held, held, holds, keyOf } from "./holds.ts";
import { thisProcess } from "./identity.ts";
import { fenceDeadline, renewEveryMs } from "./lease.ts";
import { take } from "./placement.ts";
import { copyObject } from "./snapshots.ts";
import { shipLog } from "./logs.ts";
import { OWNER_SQL } from "./sql.ts";

/** Objects of this seat it could not adopt (files missing or stale), at the generation tried. */
const unadoptable = new Map<string, string>();

/**
 * Renews every lease this process holds (one statement), counted from when it was sent; what
 * Postgres no longer gives back, or what lapsed before the renewal went out, is no longer served.
 */
async function renewLeases(env: Env): Promise<void> {
  const sentAt = Date.now();
  const boot = thisProcess(env).boot;
  const lapsed = [...held].filter(([, hold]) => sentAt >= hold.deadline);
  // Only these: an object taken while the renewal runs may be missing from what it returns.
  const renewing = [...held].filter(([, hold]) => sentAt < hold.deadline);
  const lease = env.CONFIG.ownerLeaseSeconds;
  const rows = renewing.length === 0 ? [] : await database(env).query(OWNER_SQL.renew, [boot, lease]);
  const renewed = new Map(rows.map((row) => [keyOf(row.kind, row.object_id), Number(row.generation)]));
  for (const [key, hold] of renewing) {
    if (held.get(key) !== hold) continue;
    if (renewed.get(key) === hold.generation) hold.deadline = Math.max(hold.deadline, fenceDeadline(sentAt, lease));
    else await letGo(env, key, hold, "Postgres no longer names this process its owner");
  }
  for (const [key, hold] of lapsed) if (held.get(key) === hold) await letGo(env, key, hold, "its lease lapsed before it was renewed");
}

/** Stops serving an object whose lease lapsed here; its row is let go, so the next renewal does not keep it unserved. */
async function letGo(env: Env, key: string, hold: Held, why: string): Promise<void> {
  held.delete(key);
  const [kind = "", id = ""] = key.split("\u0000");
  log.warn(`stopped serving ${kind} ${id}: ${why}`, { kind, object: id });
  await database(env)
    .query(OWNER_SQL.releaseOne, [kind, id, thisProcess(env).boot, hold.generation])
    .catch((error: unknown) => log.error(`could not let go of ${kind} ${id}`, { error: errorText(error) }));
}

/** Takes the objects whose files are in this seat and that nobody serves (after this seat's process crashed or was replaced). */
async function adoptOrphans(env: Env): Promise<void> {
  if (holds.retiring) return;
  const here = thisProcess(env);
  const orphans = await database(env).query(OWNER_SQL.orphans, [here.host, here.seat]);
  for (const orphan of orphans) {
    const key = keyOf(orphan.kind, orphan.object_id);
    if (held.has(key) || unadoptable.get(key) === orphan.generation) continue;
    await take(env, orphan.kind, orphan.object_id, orphan).catch((error: unknown) => {
      // Said once per generation, not every beat: nothing here changes until the row does.
      unadoptable.set(key, orphan.generation);
      log.error(`could not adopt ${orphan.kind} ${orphan.object_id}`, { error: errorText(error) });
    });
  }
}

/**
 * A graceful stop or reload: no new calls here, the running ones finish, each object's log is
 * shipped and, changed since its newest copy, it is copied (the final copy), then every lease is let go. An object whose final
 * copy failed is let go without being marked handed over, so another host waits a lease more.
 */
export function releaseAll(env: Env, waitMs: number): Promise<number> {
  holds.retiring = true;
  const releasing = letGoOfAll(env, waitMs);
  holds.released = releasing.then(
    () => {},
    () => {},
  );
  return releasing;
}

async function letGoOfAll(env: Env, waitMs: number): Promise<number> {
  const letGoOf = [...held];
  held.clear();
  const until = Date.now() + waitMs;
  while (letGoOf.some(([, hold]) => hold.calls > 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  const boot = thisProcess(env).boot;
  for (const [key, hold] of letGoOf) {
    const [kind = "", id = ""] = key.split("\u0000");
    if (hold.unshipped || hold.shipping) {
      await shipLog(env, kind, id, hold).catch((error: unknown) =>
        log.error(`could not ship the log of ${kind} ${id} before letting go`, { error: errorText(error) }),
      );
    }
    if (!hold.changed && !hold.copying) continue;
    await copyObject(env, kind, id, hold).catch(async (error: unknown) => {
      log.error(`could not take the final copy of ${kind} ${id}`, { error: errorText(error) });
      await database(env).query(OWNER_SQL.releaseOne, [kind, id, boot, hold.generation]);
    });
  }
  await database(env).query(OWNER_SQL.release, [boot]);
  return letGoOf.length;
}

let renewedAt = 0;
/** The supervisor's beat (cli/pool.js), which calls keepLeases. */
const BEAT_MS = 1000;
let keeping = false;

/** The supervisor's tick (every second): renews the leases when a third of the lease has passed, and adopts orphans. */
export async function keepLeases(env: Env): Promise<{ held: number }> {
  if (keeping) return { held: held.size };
  keeping = true;
  try {
    // Half a beat early rather than a beat late: the beats come about a second apart, not exactly.
    if (Date.now() - renewedAt >= renewEveryMs(env.CONFIG.ownerLeaseSeconds) - BEAT_MS / 2) {
      renewedAt = Date.now();
      await renewLeases(env);
    }
    await adoptOrphans(env);
  } finally {
    keeping = false;
  }
  return { held: held.size };
}
