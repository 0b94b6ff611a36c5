// A service binding's RPC contract: the props the loader mints and the methods of the runner's
// Service entrypoint (entrypoint.ts) that the shim (shims/service.ts) calls. Both sides use it,
// so the compiler catches drift. Types only: the shim imports it with `import type`, so nothing
// here reaches the tenant bundle.

/** Minted by the loader for one service binding of one version. */
export interface ServiceProps {
  tenant: string;
  worker: string;
  binding: string;
  target: string;
  entrypoint?: string | undefined;
}

/** The Service entrypoint's RPC methods, as function-typed properties so parameters are checked in both directions. */
export interface ServiceRunner {
  /** The target worker's fetch handler (not named fetch: the token goes first, and a stub's fetch() is HTTP). */
  forward: (request: Request) => Promise<Response>;
  /** JS RPC: `env.X.method(…args)` on the target entrypoint. */
  call: (method: string, args: unknown[]) => Promise<unknown>;
}
