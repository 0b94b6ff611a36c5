// Who caused a killed process's incident, and how a suspension is worded. Pure policy; the
// incidents themselves are stored by control/incidents.ts.

export type IncidentKind = "cpu" | "memory" | "crash";

/** An invocation the journal showed in flight on the killed process (logs/journal.ts). */
export interface Suspect {
  id: string;
  tenant: string;
  worker: string;
  version: string;
}

export type Blame = { certain: true; tenant: string; worker: string; version: string } | { certain: false };

/**
 * Blame must be certain: an incident counts against a worker only when every invocation in
 * flight ran one and the same worker version (one request, or several of that version). With
 * two distinct versions in flight, of the same worker or not, any of them may be innocent; with
 * none, nothing is known. Such incidents are recorded and count against nobody.
 */
export function blame(suspects: readonly Suspect[]): Blame {
  const [first] = suspects;
  if (!first) return { certain: false };
  const alone = suspects.every((s) => s.tenant === first.tenant && s.worker === first.worker && s.version === first.version);
  return alone ? { certain: true, tenant: first.tenant, worker: first.worker, version: first.version } : { certain: false };
}

/** Why a worker is suspended, as a clause: "it crashed its process 3 times within 10 minutes". */
export function suspensionReason(kind: IncidentKind, incidents: number, windowSeconds: number): string {
  const times = incidents === 1 ? "once" : `${incidents} times`;
  const within = `within ${duration(windowSeconds)}`;
  switch (kind) {
    case "cpu":
      return `it stalled its process for longer than its CPU limit ${times} ${within}`;
    case "memory":
      return `it ran its process out of memory ${times} ${within}`;
    case "crash":
      return `it crashed its process ${times} ${within}`;
  }
}

function duration(seconds: number): string {
  const [count, unit] = seconds % 3600 === 0 ? [seconds / 3600, "hour"] : seconds % 60 === 0 ? [seconds / 60, "minute"] : [seconds, "second"];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
