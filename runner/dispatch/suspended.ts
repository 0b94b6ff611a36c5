// What a suspended worker's callers are told. Incidents and suspensions are decided in
// control/incidents.ts; routing carries the suspension, so every path that would run the worker
// (public requests, service bindings, queue batches, crons, warm-up) sees it.

/** An active suspension as routing carries it. */
export interface Suspension {
  /** Why, as a clause: "it stalled its process for longer than its CPU limit 3 times within 10 minutes". */
  reason: string;
  /** The last incident's time, ISO 8601. */
  at: string;
}

export function suspendedMessage(worker: string, suspension: Suspension): string {
  return (
    `Worker ${worker} is suspended: ${suspension.reason} (last at ${suspension.at}). ` +
    `Its owner can resume it with \`outpost resume ${worker}\` or deploy a changed version.`
  );
}
