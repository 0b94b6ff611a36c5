// The Cache API as a workers.dev deployment has it at Cloudflare, where "any Cache API operations
// … will have no impact" (https://developers.cloudflare.com/workers/runtime-apis/cache/): Outpost
// has no edge cache to put responses in. Without this, workerd (given no cache service) throws
// "No Cache was configured" from every call, and code written for Cloudflare, such as Hono's
// cache middleware or a KV read cached in `caches.default`, fails every request.

type CacheMethods = {
  match: (...args: unknown[]) => Promise<unknown>;
  put: (...args: unknown[]) => Promise<void>;
  delete: (...args: unknown[]) => Promise<boolean>;
};

/** Makes every cache (`caches.default`, `caches.open(name)`) a miss that stores nothing. */
export function cacheAsOnWorkersDev(prototype: CacheMethods): void {
  prototype.match = async function match() {
    return undefined;
  };
  prototype.put = async function put() {};
  prototype.delete = async function () {
    return false;
  };
}
