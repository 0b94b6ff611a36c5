/** A public method of an entrypoint class, as found on its prototype. */
export type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Defines on `target` (by default the prototype itself) a replacement, made by `wrap`, of each
 * public method of `prototype`: every method but the constructor. Private (#) methods are not on
 * the prototype, so an entrypoint's own calls to them are never wrapped.
 */
export function wrapMethods(prototype: object, wrap: (method: Method, name: string) => Method, target: object = prototype): void {
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    const method: unknown = descriptor?.value;
    if (name === "constructor" || typeof method !== "function") continue;
    Object.defineProperty(target, name, { ...descriptor, value: wrap(method as Method, name) });
  }
}
