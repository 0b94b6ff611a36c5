// Pure checks of a D1 call against D1's limits (constants.ts), with SQLite's own wording: the
// shim runs them before sending, the entrypoint again on what arrives (a crafted call may skip
// the shim). Each returns the refusal as the D1Answer the database would have given.
import { D1_LIMITS } from "./constants.ts";
import type { D1Answer, D1Query } from "./contract.ts";

const encoder = new TextEncoder();

/** The refusal of the first query over a limit, or null when every query is within them. */
export function limitRefusal(queries: readonly D1Query[]): Extract<D1Answer, { ok: false }> | null {
  let callBytes = 0;
  for (const [index, { sql, params }] of queries.entries()) {
    const statementBytes = encoder.encode(sql).byteLength;
    if (statementBytes > D1_LIMITS.MAX_STATEMENT_BYTES) return { ok: false, error: "statement too long: SQLITE_TOOBIG", index };
    // SQLite says where in the statement the variable past the limit is; here the statement is not parsed.
    if (params.length > D1_LIMITS.MAX_BOUND_PARAMETERS) return { ok: false, error: "too many SQL variables: SQLITE_ERROR", index };
    callBytes += statementBytes;
    for (const param of params) {
      const bytes = valueBytes(param);
      if (bytes > D1_LIMITS.MAX_VALUE_BYTES) return { ok: false, error: "string or blob too big: SQLITE_TOOBIG", index };
      callBytes += bytes;
    }
    if (callBytes > D1_LIMITS.MAX_CALL_BYTES) {
      return { ok: false, error: `too much SQL in one call: statements and values over ${D1_LIMITS.MAX_CALL_BYTES} bytes`, index };
    }
  }
  return null;
}

function valueBytes(value: D1Query["params"][number]): number {
  if (typeof value === "string") return encoder.encode(value).byteLength;
  if (value instanceof Uint8Array) return value.byteLength;
  return 8;
}
