import postgres from "postgres";
import { expect, it } from "vitest";
import { isDatabaseUnavailable, isOutage, unavailableError } from "../../runner/db/unavailable.ts";

/** An error as postgres.js reports Postgres's own answer. */
function answered(code: string, message = "an answer"): Error {
  const PostgresError = postgres.PostgresError as unknown as new (fields: { message: string; code: string }) => Error;
  return new PostgresError({ message, code });
}

it("isOutage: Postgres shutting down, crashed, starting up or out of connections is an outage", () => {
  for (const code of ["57P01", "57P02", "57P03", "53300", "08006"]) expect(isOutage(answered(code)), code).toBe(true);
});

it("isOutage: a statement's own error (constraint, syntax, lock) is an answer, not an outage", () => {
  for (const code of ["23505", "42601", "55P03", "40001"]) expect(isOutage(answered(code)), code).toBe(false);
});

it("isOutage: a transaction's requireRow refusal is an answer; a closed or refused socket is an outage", () => {
  expect(isOutage(new Error("no such worker"), ["no such worker"])).toBe(false);
  expect(isOutage(Object.assign(new Error("write CONNECTION_CLOSED 127.0.0.1:5432"), { code: "CONNECTION_CLOSED" }), ["no such worker"])).toBe(true);
  expect(isOutage(new Error("Network connection lost."))).toBe(true);
});

it("unavailableError: recognised by its message alone, as after crossing RPC, with the reason kept", () => {
  const error = unavailableError(new Error("connection refused"));
  expect(error.message).toBe("database unavailable: connection refused");
  expect(isDatabaseUnavailable(new Error(error.message))).toBe(true);
  expect(isDatabaseUnavailable(new Error("duplicate key value violates unique constraint"))).toBe(false);
  expect(isDatabaseUnavailable("database unavailable: not an Error")).toBe(false);
});
