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

const at =
  (level: Level) =>
  (msg: string, fields: Record<string, unknown> = {}): void =>
    emit({ level, src: "runner", msg, ...fields });

export const log = { info: at("info"), warn: at("warn"), error: at("error") };

/** An error as log text: the stack (which starts with name and message) when there is one. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
