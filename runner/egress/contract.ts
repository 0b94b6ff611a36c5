// The egress binding's contract. The runner's Egress entrypoint is every tenant isolate's
// `globalOutbound` (its `fetch()` calls arrive there): no shim, so the props are the whole contract.

/** Minted by the loader for each tenant isolate. */
export interface EgressProps {
  tenant: string;
  worker: string;
}

/** Carries the invocation token of a tenant's fetch() to the Egress entrypoint, which removes it. */
export const INVOCATION_HEADER = "x-outpost-invocation";
