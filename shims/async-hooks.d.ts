// The part of workerd's node:async_hooks the shims use (the `nodejs_als` flag the loader adds
// provides it); workers-types does not declare Node's modules.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
