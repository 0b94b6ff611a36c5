// The assets binding's contract. `env.ASSETS` is the runner's Assets entrypoint itself, a plain
// Fetcher as on Cloudflare: no shim, so the props are the whole contract.

/** Minted by the loader for one version's assets binding. */
export interface AssetsProps {
  tenant: string;
  versionId: string;
}
