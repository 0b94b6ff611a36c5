// What a binding throws into tenant code: the one rule, applied by every binding entrypoint.
//
// - Storage failures. When Postgres or the blob store fails under a binding call (connection
//   refused or lost, a timeout, anything that is not the tenant's input), tenant code gets the
//   binding's own error for an internal failure, worded as Cloudflare words it, and nothing of the
//   failure itself (no SQL, no driver message); the platform log gets the real error and who
//   called. Entrypoints reach storage only through `storageDb` and `storageStep`, which mark a
//   failure as StorageUnavailable; `tenantFacing` turns the mark into the binding's error. Bad input
//   is refused before storage is touched and reaches the tenant unchanged.
// - Stacks. JS RPC carries an error's `stack` across the isolate boundary, and a runner stack
//   names runner.js frames: internals that are none of the tenant's business (and differ from
//   Cloudflare's). The message is the API (errors.ts); the stack goes.
import { wrapMethods } from "./entrypoint-methods.ts";
import type { Db, Statement } from "./db/client.ts";
import { errorText, log } from "./logs/log.ts";
import { quotaRefusal } from "./quota/resources.ts";
import { countedBindingCall } from "./metrics/registry.ts";

export type Store = "database" | "blob store" | "D1 database";

/** A storage step failed. Never reaches tenant code: tenantFacing() replaces it. */
export class StorageUnavailable extends Error {
  constructor(
    readonly store: Store,
    readonly failure: unknown,
  ) {
    super(`${store} failed`);
  }
}

/**
 * How long a database step may take before it counts as failed. Binding statements take
 * milliseconds; but when Postgres cuts the pool's connections, postgres.js (3.4.9, in workerd) can
 * leave a query waiting forever, and a tenant's call must not hang with it.
 */
export const DATABASE_DEADLINE_MS = 10_000;

/**
 * Runs one storage step, marking its failure. `tenants` names errors the step may raise that are
 * the caller's, not the store's (a body too large, a stream that failed): those pass unchanged.
 * A quota's refusal is the caller's too: it passes as a QuotaExceeded naming the quota
 * (runner/quota/resources.ts), without the driver's prefix.
 * A database step is failed at DATABASE_DEADLINE_MS; a blob store step streams and a D1 database
 * runs the tenant's own SQL, which may take long: they have none.
 */
export async function storageStep<T>(store: Store, step: () => Promise<T>, tenants: (error: unknown) => boolean = () => false): Promise<T> {
  try {
    return await (store === "database" ? withinDeadline(step()) : step());
  } catch (error) {
    if (error instanceof StorageUnavailable || tenants(error)) throw error;
    throw quotaRefusal(error) ?? new StorageUnavailable(store, error);
  }
}

async function withinDeadline<T>(call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${DATABASE_DEADLINE_MS} ms`)), DATABASE_DEADLINE_MS);
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `db` with every failure marked; a transaction refused by its own `requireRow` is an answer, not a failure. */
export function storageDb(db: Db): Db {
  return {
    query: (text, params) => storageStep("database", () => db.query(text, params)),
    transaction: (statements) =>
      storageStep(
        "database",
        () => db.transaction(statements),
        (error) => refusedBy(statements, error),
      ),
  };
}

function refusedBy(statements: readonly Statement<unknown>[], error: unknown): boolean {
  return error instanceof Error && statements.some((statement) => statement.requireRow === error.message);
}

/** Who made a binding call: from the entrypoint's props. */
export interface Caller {
  tenant: string;
  worker: string;
  binding: string;
}

export interface FailureWording<Props extends Caller> {
  /** The binding as the log names it: "KV", "R2". */
  binding: string;
  /** The operation a call of `method` is, as the binding's errors name it ("get", "GET", "sendBatch"). */
  operation: (method: string, args: unknown[]) => string;
  /** The binding's error for an internal failure of `operation`, in Cloudflare's wording. */
  internal: (operation: string, props: Props) => Error;
}

/**
 * Applies the rule to each public method of a binding entrypoint: a StorageUnavailable becomes
 * the binding's internal error (the failure goes to the log), and whatever is thrown reaches the
 * caller with a stack of its name and message only.
 */
export function tenantFacing<Props extends Caller>(entrypoint: { prototype: object }, wording: FailureWording<Props>): void {
  wrapMethods(
    entrypoint.prototype,
    (method, name) =>
      async function (this: unknown, ...args: unknown[]) {
        try {
          return await countedBindingCall(
            wording.binding.toLowerCase(),
            async () => method.apply(this, args),
            (error) => error instanceof StorageUnavailable,
          );
        } catch (thrown) {
          const props = (this as { ctx: { props: Props } }).ctx.props;
          const error = thrown instanceof StorageUnavailable ? internalError(wording, name, args, props, thrown) : thrown;
          if (error instanceof Error) error.stack = `${error.name}: ${error.message}`;
          throw error;
        }
      },
  );
}

function internalError<Props extends Caller>(
  wording: FailureWording<Props>,
  method: string,
  args: unknown[],
  props: Props,
  failure: StorageUnavailable,
): Error {
  const operation = wording.operation(method, args);
  const { tenant, worker, binding } = props;
  log.error(`${wording.binding} ${operation} for ${tenant}/${worker} binding ${binding}: ${failure.store} failed`, { error: errorText(failure.failure) });
  return wording.internal(operation, props);
}
