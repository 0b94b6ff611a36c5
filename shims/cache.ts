/**
 * Outpost gives tenant isolates no HTTP cache, and workerd's `Cache` then throws "No Cache was
 * configured" on every call, so a worker that checks `caches.default` first (SvelteKit's
 * Cloudflare adapter does, on every request) answered nothing but 500s. Cloudflare's Cache API
 * on a workers.dev address has "no impact": nothing is found, nothing is stored. Outpost's
 * addresses behave the same.
 */
export function cacheWithoutStorage(cachePrototype: CacheMethods): void {
  for (const [name, value] of Object.entries(NO_STORAGE)) {
    Object.defineProperty(cachePrototype, name, { value, writable: true, configurable: true });
  }
}

interface CacheMethods {
  match: unknown;
  put: unknown;
  delete: unknown;
}

const NO_STORAGE = {
  async match(): Promise<undefined> {
    return undefined;
  },
  async put(): Promise<undefined> {
    return undefined;
  },
  async delete(): Promise<boolean> {
    return false;
  },
};
