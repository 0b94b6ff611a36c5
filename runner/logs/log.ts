// The runner's log. workerd prints every isolate's console output, tenants' included, as JSON
// lines on its stdout, so a runner line must carry something no tenant can write: the per-start
// nonce the supervisor (cli/start.js) put in workerd's environment. The supervisor prints only
// nonce-prefixed lines as platform lines; every other console line is dropped and counted.
import { env } from "cloudflare:workers";
import type { Env } from "../env.ts";

export type Level = "debug" | "info" | "warn" | "error";

/**
 * One line of the platform log; `src` says who wrote `msg`: the runner, a tenant (tail.ts), or
 * the invocation journal the supervisor reads (journal.ts).
 */
export interface LogEntry {
  level: Level;
  src: "runner" | "tenant" | "journal";
  msg: string;
  [field: string]: unknown;
}

export function emit(entry: LogEntry): void {
  const nonce = (env as Partial<Env>).LOG_NONCE ?? "";
  console.log(nonce + JSON.stringify(entry));
}

/**
 * A runner line identical to one written less than this ago is held back and counted; the count
 * is written, as "(repeated N times)", with the first runner line after the interval. While the
 * database is away every request fails the same way: this keeps the log from growing with them.
 */
export const REPEAT_INTERVAL_MS = 10_000;
/** Distinct lines remembered at once; past this, lines are written without being remembered. */
const MAX_REMEMBERED = 1_000;

const recent = new Map<string, { since: number; repeated: number; entry: LogEntry }>();

/** Writes `entry` unless an identical line was written within the interval; writes the counts of intervals now over. */
export function writeOnce(entry: LogEntry, now = Date.now()): void {
  for (const [key, held] of recent) {
    if (now - held.since < REPEAT_INTERVAL_MS) continue;
    recent.delete(key);
    if (held.repeated > 0) emit({ ...held.entry, msg: `${held.entry.msg} (repeated ${held.repeated} times)`, repeated: held.repeated });
  }
  // A request id makes every line unique and says nothing the count does not.
  const { requestId: _, ...same } = entry;
  const key = JSON.stringify(same);
  const held = recent.get(key);
  if (held) {
    held.repeated++;
    return;
  }
  if (recent.size < MAX_REMEMBERED) recent.set(key, { since: now, repeated: 0, entry });
  emit(entry);
}

const at =
  (level: Level) =>
  (msg: string, fields: Record<string, unknown> = {}): void =>
    writeOnce({ level, src: "runner", msg, ...fields });

export const log = { info: at("info"), warn: at("warn"), error: at("error") };

/** An error as log text: the stack (which starts with name and message) when there is one. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
