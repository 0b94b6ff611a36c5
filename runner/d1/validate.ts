// Pure checks of a D1 call against the limits that bound its size (constants.ts): the shim runs
// them before sending, the entrypoint again on what arrives (a crafted call may skip the shim),
// so an oversized call never reaches the object. The statement's length is refused with SQLite's
// own wording; the rest of D1's limits (bound parameters, columns, value and row sizes) SQLite
// checks as it runs the statement, with D1's messages.
import { D1_LIMITS } from "./constants.ts";
import type { D1Answer, D1Query, D1Value } from "./contract.ts";

const encoder = new TextEncoder();

/** The refusal of the first query over a limit, or null when the call is within them. */
export function limitRefusal(queries: readonly D1Query[]): Extract<D1Answer, { ok: false }> | null {
  let callBytes = 0;
  for (const [index, { sql, params }] of queries.entries()) {
    const statementBytes = encoder.encode(sql).byteLength;
    if (statementBytes > D1_LIMITS.MAX_STATEMENT_BYTES) return { ok: false, error: "statement too long: SQLITE_TOOBIG", index };
    callBytes += statementBytes + params.reduce<number>((total, value) => total + valueBytes(value), 0);
    if (callBytes > D1_LIMITS.MAX_CALL_BYTES) return { ok: false, error: CALL_TOO_LARGE, index };
  }
  return null;
}

/** Outpost's wording: Cloudflare has no limit on a call as a whole. */
export const CALL_TOO_LARGE = `too much SQL in one call: statements and bound values over ${D1_LIMITS.MAX_CALL_BYTES} bytes: SQLITE_TOOBIG`;

function valueBytes(value: D1Value): number {
  if (typeof value === "string") return encoder.encode(value).byteLength;
  if (value instanceof Uint8Array) return value.byteLength;
  return 8;
}
