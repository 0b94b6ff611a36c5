import { expect, it, vi } from "vitest";
import type { Db } from "../../runner/db/client.ts";
import { BindingError } from "../../runner/errors.ts";
import { DATABASE_DEADLINE_MS, storageDb, storageStep, tenantFacing } from "../../runner/tenant-errors.ts";
import { rejection } from "./thrown.ts";

// A database that is down: every call fails the way postgres.js reports a refused connection,
// except a transaction whose statement requires a row, which is refused with its message.
const downDb: Db = {
  query: () => Promise.reject(new Error('PostgresError: database "outpost" is not currently accepting connections')),
  transaction: (statements) => Promise.reject(new Error(statements[0]?.requireRow ?? "write CONNECTION_CLOSED 127.0.0.1:5432")),
};

class Binding {
  ctx = { props: { tenant: "acme", worker: "shop", binding: "CACHE" } };
  async read(): Promise<unknown> {
    return storageDb(downDb).query("SELECT value FROM kv_entries WHERE namespace_id = $1", ["1"]);
  }
  async write(): Promise<unknown> {
    return storageDb(downDb).transaction([{ text: "INSERT INTO kv_entries VALUES ($1)", params: ["1"] }]);
  }
  async claim(): Promise<unknown> {
    return storageDb(downDb).transaction([{ text: "SELECT 1 WHERE false", params: [], requireRow: "taken" }]);
  }
  async refuse(): Promise<unknown> {
    throw new TypeError("Key names must not be empty");
  }
  async stuck(): Promise<unknown> {
    return storageDb({ ...downDb, query: () => new Promise(() => {}) }).query("SELECT 1");
  }
  async upload(): Promise<unknown> {
    return storageStep(
      "blob store",
      () => Promise.reject(new RangeError("body too large")),
      (error) => error instanceof RangeError,
    );
  }
}
tenantFacing(Binding, {
  binding: "KV",
  operation: (method) => method.toUpperCase(),
  internal: (operation) => new BindingError(`KV ${operation}`, 500, "Internal Server Error"),
});

async function stackOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => "nothing thrown",
    (error: Error) => error.stack,
  );
}

it("tenantFacing: a database failure reaches the caller as the binding's internal error, without SQL or driver text", async () => {
  expect(await rejection(new Binding().read())).toBe("BindingError: KV READ failed: 500 Internal Server Error");
  expect(await rejection(new Binding().write())).toBe("BindingError: KV WRITE failed: 500 Internal Server Error");
  expect(await stackOf(new Binding().read())).toBe("Error: KV READ failed: 500 Internal Server Error");
});

it("tenantFacing: the caller's own errors pass unchanged, with a stack of name and message only", async () => {
  expect(await rejection(new Binding().refuse())).toBe("TypeError: Key names must not be empty");
  expect(await stackOf(new Binding().refuse())).toBe("TypeError: Key names must not be empty");
  expect(await rejection(new Binding().upload())).toBe("RangeError: body too large");
});

it("storageDb: a transaction refused by its own requireRow is an answer, not a storage failure", async () => {
  expect(await rejection(new Binding().claim())).toBe("Error: taken");
});

it("storageDb: a database call still unanswered at the deadline fails as the binding's internal error", async () => {
  vi.useFakeTimers();
  try {
    const answer = rejection(new Binding().stuck());
    await vi.advanceTimersByTimeAsync(DATABASE_DEADLINE_MS);
    expect(await answer).toBe("BindingError: KV STUCK failed: 500 Internal Server Error");
  } finally {
    vi.useRealTimers();
  }
});
