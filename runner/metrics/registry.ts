// This process's counters: the one place the runner counts what operators scrape. Counts live in
// memory and start at zero with the process; the supervisor (cli/metrics.js) collects them from
// every process's private socket (GET /v1/maintenance/metrics), keeps the totals of processes
// that died, and serves the sum at /metrics in Prometheus's text format (docs/operations.md,
// "Metrics"). Time in workerd advances only with I/O, so a duration is the I/O-bound wall time of
// a call, which is what a request's latency is.
import { wrapMethods } from "../entrypoint-methods.ts";
import { poolUse } from "../db/pool.ts";
import { otlpRecords } from "../logs/otlp.ts";

/** A family and its samples, as the supervisor sums them: histograms already cut into `_bucket`, `_sum` and `_count`. */
export interface MetricFamily {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Label sets of distinct worker versions counted per process; later ones are counted as `other`. */
export const MAX_WORKER_SERIES = 100;
/** Bounds in seconds (Prometheus's default buckets). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

type Labels = Record<string, string>;

/** A series' label set is made once and kept (WorkerLabels, kindLabels): its key is worked out once, not per call. */
const keys = new WeakMap<Labels, string>();
function keyOf(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = JSON.stringify(labels);
    keys.set(labels, key);
  }
  return key;
}

/** Families keyed by their label sets; a label set is kept as its JSON, labels in the order given. */
class Family {
  readonly values = new Map<string, number[]>();
  constructor(
    readonly name: string,
    readonly type: MetricFamily["type"],
    readonly help: string,
  ) {}

  /** A counter's or gauge's value, or a histogram's bucket counts then its sum and count. */
  cell(labels: Labels): number[] {
    const key = keyOf(labels);
    let cell = this.values.get(key);
    if (!cell) {
      cell = new Array<number>(this.type === "histogram" ? DURATION_BUCKETS.length + 2 : 1).fill(0);
      this.values.set(key, cell);
    }
    return cell;
  }

  add(labels: Labels, amount = 1): void {
    const cell = this.cell(labels);
    cell[0] = (cell[0] ?? 0) + amount;
  }

  observe(labels: Labels, seconds: number): void {
    const cell = this.cell(labels);
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= (DURATION_BUCKETS[i] ?? 0)) cell[i] = (cell[i] ?? 0) + 1;
    cell[DURATION_BUCKETS.length] = (cell[DURATION_BUCKETS.length] ?? 0) + seconds;
    cell[DURATION_BUCKETS.length + 1] = (cell[DURATION_BUCKETS.length + 1] ?? 0) + 1;
  }

  snapshot(): MetricFamily {
    const samples: MetricFamily["samples"] = [];
    for (const [key, cell] of this.values) {
      const labels = JSON.parse(key) as Labels;
      if (this.type !== "histogram") {
        samples.push({ name: this.name, labels, value: cell[0] ?? 0 });
        continue;
      }
      const count = cell[DURATION_BUCKETS.length + 1] ?? 0;
      DURATION_BUCKETS.forEach((bound, i) => samples.push({ name: `${this.name}_bucket`, labels: { ...labels, le: String(bound) }, value: cell[i] ?? 0 }));
      samples.push({ name: `${this.name}_bucket`, labels: { ...labels, le: "+Inf" }, value: count });
      samples.push({ name: `${this.name}_sum`, labels, value: cell[DURATION_BUCKETS.length] ?? 0 });
      samples.push({ name: `${this.name}_count`, labels, value: count });
    }
    return { name: this.name, type: this.type, help: this.help, samples };
  }
}

/**
 * The first `max` worker versions seen keep their labels; every later one is counted under
 * `other`, so one tenant deploying thousands of versions cannot grow the scrape without bound.
 */
export class WorkerLabels {
  static readonly OTHER: Labels = { tenant: "other", worker: "other", version: "other" };
  readonly #admitted = new Map<string, Labels>();
  constructor(readonly max: number) {}

  of(tenant: string, worker: string, version: string): Labels {
    // Tenant and worker names are DNS labels and versions hex: a line feed separates them.
    const key = `${tenant}\n${worker}\n${version}`;
    let labels = this.#admitted.get(key);
    if (!labels) {
      if (this.#admitted.size >= this.max) return WorkerLabels.OTHER;
      labels = { tenant, worker, version };
      this.#admitted.set(key, labels);
    }
    return labels;
  }
}

const workerLabels = new WorkerLabels(MAX_WORKER_SERIES);
/** The binding kinds' label sets: a handful, made once. */
const kindLabels = new Map<string, Labels>();
const requests = new Family("outpost_requests_total", "counter", "Public requests a worker served, by worker version.");
const requestErrors = new Family("outpost_request_errors_total", "counter", "Public requests a worker answered with a 5xx or an exception.");
const requestDuration = new Family("outpost_request_duration_seconds", "histogram", "Time until a worker's response headers, by worker version.");
const bindingCalls = new Family("outpost_binding_operations_total", "counter", "Binding calls tenant code made, by binding kind.");
const bindingErrors = new Family(
  "outpost_binding_errors_total",
  "counter",
  "Binding calls that threw: cause=storage when the database or blob store failed, cause=call otherwise.",
);
const bindingDuration = new Family("outpost_binding_operation_duration_seconds", "histogram", "Duration of binding calls, by binding kind.");
const cronRuns = new Family("outpost_cron_runs_total", "counter", "Cron ticks this host ran, by outcome.");
const FAMILIES = [requests, requestErrors, requestDuration, bindingCalls, bindingErrors, bindingDuration, cronRuns];

/** Counts one public request of a worker version: its status (500 when it threw) and duration. */
export async function countedRequest(who: { tenant: string; worker: string; version: string }, call: () => Promise<Response>): Promise<Response> {
  const labels = workerLabels.of(who.tenant, who.worker, who.version);
  const started = performance.now();
  let failed = true;
  try {
    const response = await call();
    failed = response.status >= 500;
    return response;
  } finally {
    requests.add(labels);
    // Added even when 0, so that the error series exists from the first request (error ratios need it).
    requestErrors.add(labels, failed ? 1 : 0);
    requestDuration.observe(labels, (performance.now() - started) / 1000);
  }
}

/** Counts one binding call; `storageFailed` tells the platform's failures from the caller's. */
export async function countedBindingCall<T>(kind: string, call: () => Promise<T>, storageFailed: (error: unknown) => boolean): Promise<T> {
  let labels = kindLabels.get(kind);
  if (!labels) {
    kindLabels.set(kind, (labels = { kind }));
    for (const cause of ["storage", "call"]) bindingErrors.add({ kind, cause }, 0);
  }
  const started = performance.now();
  try {
    return await call();
  } catch (error) {
    bindingErrors.add({ kind, cause: storageFailed(error) ? "storage" : "call" });
    throw error;
  } finally {
    bindingCalls.add(labels);
    bindingDuration.observe(labels, (performance.now() - started) / 1000);
  }
}

/**
 * Counts every call of a binding entrypoint's public methods as a `kind` operation (for the
 * entrypoints that tenantFacing does not wrap: it counts its own).
 */
export function countCalls(entrypoint: { prototype: object }, kind: string, storageFailed: (error: unknown) => boolean): void {
  wrapMethods(
    entrypoint.prototype,
    (method) =>
      function (this: unknown, ...args: unknown[]) {
        return countedBindingCall(kind, async () => method.apply(this, args), storageFailed);
      },
  );
}

export function countCronRun(outcome: string): void {
  cronRuns.add({ outcome });
}

/** Every family with its samples now, for GET /v1/maintenance/metrics. */
export function metricsSnapshot(): MetricFamily[] {
  // runner/db counts its own pool use, and logs/otlp.ts its exports: they import nothing above them.
  const postgres = (name: string, type: MetricFamily["type"], help: string, value: number): MetricFamily => ({
    name,
    type,
    help,
    samples: [{ name, labels: {}, value }],
  });
  return [
    ...FAMILIES.map((family) => family.snapshot()),
    postgres("outpost_postgres_queries_in_flight", "gauge", "Queries and transactions waiting for or using a pooled Postgres connection.", poolUse.inFlight),
    postgres("outpost_postgres_queries_total", "counter", "Queries and transactions run on pooled Postgres connections.", poolUse.total),
    {
      name: "outpost_otlp_log_records_total",
      type: "counter",
      help: "Log records sent to the OpenTelemetry collector (outcome=exported), or dropped: the collector was slow, down or refused, or the buffer was full.",
      samples: (["exported", "dropped"] as const).map((outcome) => ({
        name: "outpost_otlp_log_records_total",
        labels: { outcome },
        value: otlpRecords[outcome],
      })),
    },
  ];
}
