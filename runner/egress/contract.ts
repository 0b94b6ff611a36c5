// The egress binding's contract. The runner's Egress entrypoint is every tenant isolate's
// `globalOutbound` (its `fetch()` calls arrive there): the props and the header in which the
// shims' fetch() sends the invocation token (shims/invocation.ts).

/** Minted by the loader for each tenant isolate. */
export interface EgressProps {
  tenant: string;
  worker: string;
}

/** Carries the invocation token of a tenant's fetch() to the Egress entrypoint, which removes it. */
export const INVOCATION_HEADER = "x-outpost-invocation";
