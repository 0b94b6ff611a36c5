// Cron timers of one host. Every host arms a timer for every serving version's crons; when a
// tick comes, each host tries to claim it and exactly one runs it (run.ts). Ticks are computed
// on Postgres's clock (the offset to this host's clock is measured at each reload), so hosts
// agree on them even when their clocks drift. Missed ticks are not replayed, except the latest
// one within a minute when a host starts (the rule is in missed.ts).
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { CronStatus } from "../scheduler/status.ts";
import { missedTick } from "./missed.ts";
import { type CronSchedule, nextTick, parseCron } from "./parse.ts";
import { runTick } from "./run.ts";
import { CRON_SQL } from "./sql.ts";
import { errorText, log } from "../logs/log.ts";

/** setTimeout takes 32-bit delays; far ticks are re-armed on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  worker: string;
  cron: string;
  schedule: CronSchedule;
  timer: ReturnType<typeof setTimeout> | undefined;
  next: number | null;
}

export class CronTicker {
  readonly #env: Env;
  readonly #ctx: DurableObjectState;
  readonly #entries = new Map<string, Entry>();
  /** Postgres's clock minus this host's. */
  #offset = 0;
  #started = false;
  /** Ticks this host reached for (claimed or not), and ran (claimed). */
  reached = 0;
  ran = 0;

  constructor(env: Env, ctx: DurableObjectState) {
    this.#env = env;
    this.#ctx = ctx;
  }

  /** Re-reads the serving versions' crons; keeps the timers of unchanged ones. */
  async reload(): Promise<void> {
    const db = database(this.#env);
    const before = Date.now();
    const [clock] = await db.query(CRON_SQL.now);
    this.#offset = Number(clock?.now_ms ?? before) - (before + Date.now()) / 2;
    const rows = await db.query(CRON_SQL.crons);
    const now = this.#now();
    const seen = new Set<string>();
    for (const row of rows) {
      const { worker, cron } = row;
      const key = `${worker}\n${cron}`;
      seen.add(key);
      if (this.#entries.has(key)) continue;
      let schedule: CronSchedule;
      try {
        schedule = parseCron(cron);
      } catch (error) {
        log.error(`worker ${worker}: ignoring cron "${cron}"`, { error: errorText(error) });
        continue;
      }
      const entry: Entry = { worker, cron, schedule, timer: undefined, next: null };
      this.#entries.set(key, entry);
      if (!this.#started) {
        const missed = missedTick(schedule, now, Number(row.since_ms));
        if (missed !== null) void this.#fire(entry, missed);
      }
      this.#arm(entry, now);
    }
    for (const [key, entry] of this.#entries) {
      if (seen.has(key)) continue;
      clearTimeout(entry.timer ?? null);
      this.#entries.delete(key);
    }
    this.#started = true;
  }

  status(): CronStatus[] {
    return [...this.#entries.values()].map((entry) => ({
      worker: entry.worker,
      cron: entry.cron,
      next: entry.next === null ? null : new Date(entry.next).toISOString(),
    }));
  }

  #now(): number {
    return Date.now() + this.#offset;
  }

  #arm(entry: Entry, after: number): void {
    clearTimeout(entry.timer ?? null);
    entry.next = nextTick(entry.schedule, after);
    if (entry.next === null) return;
    const tick = entry.next;
    const wait = Math.min(Math.max(0, tick - this.#now()), MAX_TIMER_MS);
    entry.timer = setTimeout(() => {
      if (this.#entries.get(`${entry.worker}\n${entry.cron}`) !== entry) return;
      if (this.#now() < tick) return this.#arm(entry, tick - 60_000); // woke early (or a far tick): wait on
      void this.#fire(entry, tick);
      this.#arm(entry, tick);
    }, wait);
  }

  async #fire(entry: Entry, scheduledTime: number): Promise<void> {
    this.reached++;
    try {
      const result = await runTick(this.#env, this.#ctx, { worker: entry.worker, cron: entry.cron, scheduledTime });
      if (result.claimed) this.ran++;
    } catch (error) {
      log.error(`cron "${entry.cron}" of worker ${entry.worker}: could not claim the tick`, { error: errorText(error) });
    }
  }
}
