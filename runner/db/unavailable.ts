// When Postgres is away (killed, restarting, paused, unreachable), every database call fails
// within CALL_DEADLINE_MS with one recognisable error, so the admin API answers 503
// ERR_DATABASE_UNAVAILABLE and the public socket a 503 text, instead of a 500 or a hang. RPC
// carries only an error's name and message across isolates, so the mark is the message's prefix.
import postgres from "postgres";

/**
 * How long one call of the Database object may take before its caller is answered that the
 * database is unavailable. Platform statements take milliseconds; a paused or unreachable server
 * takes for ever (a connection to it opens, then nothing comes back).
 */
export const CALL_DEADLINE_MS = 5_000;

const PREFIX = "database unavailable: ";

/**
 * SQLSTATE classes that say the server cannot serve the session (connection exception, insufficient
 * resources, operator intervention: shutting down, crashed, starting up), not that the statement is wrong.
 */
const OUTAGE_CLASSES = new Set(["08", "53", "57"]);

/** The error a call gets while the database is away; `reason` says why, for the log. */
export function unavailableError(reason: unknown): Error {
  return new Error(PREFIX + (reason instanceof Error ? reason.message : String(reason)));
}

/** True for an error made by unavailableError, also after it crossed an RPC boundary. */
export function isDatabaseUnavailable(error: unknown): error is Error {
  return error instanceof Error && error.message.startsWith(PREFIX);
}

/**
 * Whether a failed call failed because Postgres is away. Postgres's own answers are outages only
 * in OUTAGE_CLASSES; a transaction's `requireRow` refusals (`refusals`) are answers too; anything
 * else (a socket that would not connect or was closed, postgres.js's CONNECTION_* errors) is one.
 */
export function isOutage(error: unknown, refusals: readonly string[] = []): boolean {
  if (error instanceof postgres.PostgresError) return OUTAGE_CLASSES.has(error.code.slice(0, 2));
  return !(error instanceof Error && refusals.includes(error.message));
}
