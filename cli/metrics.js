// The host's metrics, as the supervisor serves them at /metrics (docs/operations.md, "Metrics"):
// every workerd process's own counters (runner/metrics/registry.ts), collected from its private
// socket every COLLECT_EVERY_MS and on each scrape, plus what only the supervisor knows (restarts,
// kills, replacements, incidents) and the queues' and workers' state, read from the database on
// each scrape.
//
// Counters never go backwards (metrics-totals.js). What a killed process counted after its last
// collection (at most COLLECT_EVERY_MS) is lost.
import { readFileSync } from "node:fs";
import { residentMb } from "./budget.js";
import { ProcessTotals, SeriesCap } from "./metrics-totals.js";

/** @typedef {import("./metrics-text.js").MetricFamily} MetricFamily */

export const COLLECT_EVERY_MS = 5000;
/** A process that has not answered by then counts with what it answered last. */
const ASK_LIMIT_MS = 2000;
/** Queues with labels of their own; later ones are summed under `other`. */
export const MAX_QUEUE_SERIES = 500;

/** Counters of what the supervisor itself saw, each label value there from the start (at zero). */
export function supervisorFacts() {
  /** @type {[string, string, string, string[]][]} name, help, label, its values */
  const table = [
    [
      "outpost_process_restarts_total",
      "workerd processes restarted after they exited unasked, by what ended them: cpu (killed for a stall), memory, descriptors, crash.",
      "reason",
      ["cpu", "memory", "descriptors", "crash"],
    ],
    [
      "outpost_process_kills_total",
      "workerd processes the watchdog killed: stall (ran past the stall limit) or startup (did not start in time).",
      "reason",
      ["stall", "startup"],
    ],
    [
      "outpost_process_replacements_total",
      "workerd processes replaced on purpose: budget (isolates or memory over the limit) or reload.",
      "reason",
      ["budget", "reload"],
    ],
    ["outpost_incidents_total", "Incidents reported to the runner (a dead process had invocations in flight), by kind.", "kind", ["cpu", "memory", "crash"]],
  ];
  /** @type {MetricFamily[]} */
  const families = table.map(([name, help, label, values]) => ({
    name,
    type: "counter",
    help,
    samples: values.map((value) => ({ name, labels: { [label]: value }, value: 0 })),
  }));
  const suspensions = "outpost_suspensions_total";
  families.push({
    name: suspensions,
    type: "counter",
    help: "Workers suspended by incidents the supervisor reported.",
    samples: [{ name: suspensions, labels: {}, value: 0 }],
  });

  /** @param {string} name @param {Record<string, string>} labels @param {number} amount */
  const count = (name, labels = {}, amount = 1) => {
    const sample = families.find((family) => family.name === name)?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
    if (sample) sample.value += amount;
  };
  return {
    families: () => families,
    /** @param {string} kind */
    restarted: (kind) => count("outpost_process_restarts_total", { reason: kind }),
    /** @param {"stall" | "startup"} reason */
    killed: (reason) => count("outpost_process_kills_total", { reason }),
    /** @param {string} reason */
    replaced: (reason) => count("outpost_process_replacements_total", { reason }),
    /** @param {string} kind @param {number} suspended */
    incident: (kind, suspended) => {
      count("outpost_incidents_total", { kind });
      count(suspensions, {}, suspended);
    },
  };
}

/** @typedef {ReturnType<typeof supervisorFacts>} SupervisorFacts */

/**
 * @typedef {object} QueueState  one queue as GET /v1/queues reports it (runner/queue/admin.ts)
 * @property {string} tenant
 * @property {string} name
 * @property {number} depth
 * @property {number | null} oldestAgeSeconds
 * @property {number} deadLettered
 * @property {number} dropped
 */

/** @param {QueueState[]} queues @param {SeriesCap} cap @returns {MetricFamily[]} */
export function queueFamilies(queues, cap) {
  /** @type {Map<string, { labels: Record<string, string>, depth: number, age: number, deadLettered: number, dropped: number }>} */
  const byLabels = new Map();
  for (const queue of queues) {
    const labels = cap.admits(JSON.stringify([queue.tenant, queue.name])) ? { tenant: queue.tenant, queue: queue.name } : { tenant: "other", queue: "other" };
    const key = JSON.stringify(labels);
    const sum = byLabels.get(key) ?? { labels, depth: 0, age: 0, deadLettered: 0, dropped: 0 };
    sum.depth += queue.depth;
    sum.age = Math.max(sum.age, queue.oldestAgeSeconds ?? 0);
    sum.deadLettered += queue.deadLettered;
    sum.dropped += queue.dropped;
    byLabels.set(key, sum);
  }
  const sums = [...byLabels.values()];
  /** @param {string} name @param {MetricFamily["type"]} type @param {string} help @param {(sum: typeof sums[number]) => number} value @returns {MetricFamily} */
  const family = (name, type, help, value) => ({ name, type, help, samples: sums.map((sum) => ({ name, labels: sum.labels, value: value(sum) })) });
  return [
    family("outpost_queue_messages", "gauge", "Messages in a queue: ready, delayed and in flight.", (sum) => sum.depth),
    family("outpost_queue_oldest_message_age_seconds", "gauge", "Age of a queue's oldest message; 0 when it is empty.", (sum) => sum.age),
    family(
      "outpost_queue_dead_lettered_total",
      "counter",
      "Messages a queue moved to its dead-letter queue after their last retry.",
      (sum) => sum.deadLettered,
    ),
    family("outpost_queue_dropped_total", "counter", "Messages a queue without a dead-letter queue dropped after their last retry.", (sum) => sum.dropped),
  ];
}

/** @param {{ suspended: unknown, probation: unknown }[]} workers @returns {MetricFamily[]} */
export function workerStateFamilies(workers) {
  /** @param {string} name @param {string} help @param {number} value @returns {MetricFamily} */
  const gauge = (name, help, value) => ({ name, type: "gauge", help, samples: [{ name, labels: {}, value }] });
  return [
    gauge("outpost_workers_suspended", "Workers suspended now, on every host of the platform.", workers.filter((worker) => worker.suspended !== null).length),
    gauge(
      "outpost_workers_on_probation",
      "Workers on probation now, on every host of the platform.",
      workers.filter((worker) => worker.probation !== null).length,
    ),
  ];
}

/**
 * @typedef {object} PoolView  what the pool tells of its processes (pool.js)
 * @property {() => { key: string, slot: number, port: number, pid: number | undefined, isolates: number }[]} processes
 */

/**
 * Collects every process's counters now and every COLLECT_EVERY_MS; `gather` gives the host's
 * metric families. Asks a process on its private port with the operator token.
 * @param {PoolView} pool
 * @param {SupervisorFacts} facts
 * @param {(port: number, path: string) => Promise<{ status: number, body: string }>} ask
 * @param {import("./log.js").Logger} logger
 */
export function hostMetrics(pool, facts, ask, logger) {
  const totals = new ProcessTotals();
  const queueCap = new SeriesCap(MAX_QUEUE_SERIES);
  /** @param {number} port @param {string} path */
  const json = async (port, path) => {
    // A stuck process answers nothing until the watchdog kills it: the scrape does not wait for that.
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`GET ${path}: no answer within ${ASK_LIMIT_MS} ms`)), ASK_LIMIT_MS)));
    const answer = await Promise.race([ask(port, path), late]).finally(() => clearTimeout(timer));
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
    return JSON.parse(answer.body);
  };
  const collect = async () => {
    const running = pool.processes();
    await Promise.all(
      running.map(async ({ key, port }) => {
        const answer = await json(port, "/v1/maintenance/metrics").catch(() => null);
        if (answer) totals.record(key, answer.families);
      }),
    );
    totals.retireAllBut(new Set(running.map(({ key }) => key)));
    return running;
  };
  /** What the database says (queues, suspended workers), from the first process that answers; nothing when none does. @param {{ port: number }[]} running */
  const fromDatabase = async (running) => {
    for (const { port } of running) {
      const answers = await Promise.all([json(port, "/v1/queues"), json(port, "/v1/workers")]).catch(() => null);
      if (answers) return [...queueFamilies(answers[0].queues, queueCap), ...workerStateFamilies(answers[1].workers)];
    }
    logger.warn("metrics: no process answered with the queues' and workers' state");
    return [];
  };
  const timer = setInterval(() => void collect(), COLLECT_EVERY_MS);
  return {
    /** @returns {Promise<MetricFamily[]>} */
    async gather() {
      const running = await collect();
      /** @type {MetricFamily[]} */
      const gauges = [
        {
          name: "outpost_processes",
          type: "gauge",
          help: "workerd processes running, retiring ones included.",
          samples: [{ name: "outpost_processes", labels: {}, value: running.length }],
        },
        {
          name: "outpost_isolates_loaded",
          type: "gauge",
          help: "Isolates a workerd process has loaded since it started, by process slot.",
          samples: [...bySlot(running, (proc) => proc.isolates)].map(([slot, isolates]) => ({
            name: "outpost_isolates_loaded",
            labels: { process: String(slot) },
            value: isolates,
          })),
        },
        {
          name: "outpost_process_resident_memory_bytes",
          type: "gauge",
          help: "Resident memory of a workerd process, by process slot (MB precision, from /proc).",
          samples: [...bySlot(running, (proc) => (proc.pid === undefined ? 0 : (residentMb(proc.pid, readProc) ?? 0) * 2 ** 20))].map(([slot, bytes]) => ({
            name: "outpost_process_resident_memory_bytes",
            labels: { process: String(slot) },
            value: bytes,
          })),
        },
      ];
      return [...facts.families(), ...gauges, ...totals.families(), ...(await fromDatabase(running))];
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * A slot's process and the one replacing it run side by side for a while: one sample per slot, their sum.
 * @template {{ slot: number }} P
 * @param {P[]} running
 * @param {(proc: P) => number} value
 */
function bySlot(running, value) {
  /** @type {Map<number, number>} */
  const sums = new Map();
  for (const proc of running) sums.set(proc.slot, (sums.get(proc.slot) ?? 0) + value(proc));
  return sums;
}

/** @param {string} path */
const readProc = (path) => readFileSync(path, "utf8");
