// The part of node:assert/strict the suite uses (workerd provides it under nodejs_compat; the
// runtime-side typecheck has workers-types, not @types/node).
declare module "node:assert/strict" {
  interface Assert {
    equal(actual: unknown, expected: unknown, message?: string): void;
    deepEqual(actual: unknown, expected: unknown, message?: string): void;
    ok(value: unknown, message?: string): asserts value;
    rejects(promise: Promise<unknown>, expected?: ((error: Error) => boolean) | (new (...args: never[]) => Error) | RegExp, message?: string): Promise<void>;
    throws(run: () => unknown, expected?: { message?: string }, message?: string): void;
  }
  const assert: Assert;
  export default assert;
}
