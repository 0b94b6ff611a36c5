import type { Context } from "hono";
import { database } from "../db/client.ts";
import { errorText, log } from "../logs/log.ts";
import type { AdminEnv } from "./auth.ts";

/**
 * Readiness, apart from liveness (`/healthz`, which the supervisor's watchdog probes and which must
 * not fail while only the database is away): whether this process reaches Postgres now, and how
 * fast. 200 when it does, 503 when it does not; the answer never takes longer than a database
 * call may (db/unavailable.ts).
 */
export async function ready(c: Context<AdminEnv>): Promise<Response> {
  const started = Date.now();
  try {
    await database(c.env).query("SELECT 1");
    return c.json({ ok: true, database: { ok: true, latencyMs: Date.now() - started } });
  } catch (error) {
    log.warn("readiness: the database is unavailable", { error: errorText(error) });
    return c.json({ ok: false, database: { ok: false, latencyMs: Date.now() - started, error: "unavailable" } }, 503);
  }
}
