// What a binding throws into tenant code. JS RPC carries an error's `stack` across the isolate
// boundary, and a runner stack names runner.js frames: internals that are none of the tenant's
// business (and differ from Cloudflare's). The message is the API (errors.ts); the stack goes.

/**
 * Wraps each public method of a binding entrypoint so that whatever it throws reaches the caller
 * with a stack of its name and message only. Private (#) methods are not on the prototype.
 */
export function withoutRunnerStacks(entrypoint: { prototype: object }): void {
  const prototype = entrypoint.prototype;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    const method: unknown = descriptor?.value;
    if (name === "constructor" || typeof method !== "function") continue;
    Object.defineProperty(prototype, name, {
      ...descriptor,
      async value(this: unknown, ...args: unknown[]) {
        try {
          return await method.apply(this, args);
        } catch (error) {
          if (error instanceof Error) error.stack = `${error.name}: ${error.message}`;
          throw error;
        }
      },
    });
  }
}
