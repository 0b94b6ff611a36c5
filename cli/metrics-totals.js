// The sum of every workerd process's own counters, as the supervisor keeps it (cli/metrics.js).
// Counters never go backwards: a process that exits takes its counts with it, so the last counts
// collected from it join the totals of the dead, which are added to the live processes' counts.

/** @typedef {import("./metrics-text.js").MetricFamily} MetricFamily */
/** @typedef {import("./metrics-text.js").Sample} Sample */

/** Worker versions with labels of their own on the whole host; later ones are summed under `other`. */
export const MAX_HOST_WORKER_SERIES = 500;
/** Exited processes remembered (the newest): far more than die while one collection runs. */
const MAX_RETIRED_KEYS = 1000;

/** The first `max` keys keep their labels for the life of the supervisor; later ones do not. */
export class SeriesCap {
  #admitted = new Set();
  /** @param {number} max */
  constructor(max) {
    this.max = max;
  }

  /** @param {string} key */
  admits(key) {
    if (this.#admitted.has(key)) return true;
    if (this.#admitted.size >= this.max) return false;
    this.#admitted.add(key);
    return true;
  }
}

/** Families summed by name and label set, in the order first seen. */
class Sums {
  /** @type {Map<string, { family: MetricFamily, samples: Map<string, Sample> }>} */
  #families = new Map();

  /** @param {MetricFamily} family @param {(labels: Record<string, string>) => Record<string, string>} relabel */
  add(family, relabel = (labels) => labels) {
    let entry = this.#families.get(family.name);
    if (!entry) {
      entry = { family, samples: new Map() };
      this.#families.set(family.name, entry);
    }
    for (const sample of family.samples) {
      const labels = relabel(sample.labels);
      const key = `${sample.name}${JSON.stringify(labels)}`;
      const sum = entry.samples.get(key);
      if (sum) sum.value += sample.value;
      else entry.samples.set(key, { name: sample.name, labels, value: sample.value });
    }
  }

  /** @returns {MetricFamily[]} */
  families() {
    return [...this.#families.values()].map(({ family, samples }) => ({ ...family, samples: [...samples.values()] }));
  }
}

/** The sum of the processes' own counters: the live ones' latest counts plus the last counts of the dead. */
export class ProcessTotals {
  /** @type {Map<string, MetricFamily[]>} by process key */
  #latest = new Map();
  /** @type {Set<string>} */
  #retired = new Set();
  #dead = new Sums();
  #workers = new SeriesCap(MAX_HOST_WORKER_SERIES);

  /** A process's counts now; ignored once the process was retired (a collection that finished late). */
  record(/** @type {string} */ key, /** @type {MetricFamily[]} */ families) {
    if (!this.#retired.has(key)) this.#latest.set(key, families);
  }

  /** Processes not in `running` have exited: their counts join the dead's (not their gauges: what they held is gone). */
  retireAllBut(/** @type {Set<string>} */ running) {
    for (const [key, families] of this.#latest) {
      if (running.has(key)) continue;
      for (const family of families) if (family.type !== "gauge") this.#dead.add(family, this.#relabel);
      this.#latest.delete(key);
      this.#retired.add(key);
      // A late collection ends within seconds of its process's retirement: older keys need not be kept.
      if (this.#retired.size > MAX_RETIRED_KEYS) this.#retired.delete(this.#retired.values().next().value ?? "");
    }
  }

  /** @returns {MetricFamily[]} */
  families() {
    const sums = new Sums();
    for (const family of this.#dead.families()) sums.add(family);
    for (const families of this.#latest.values()) for (const family of families) sums.add(family, this.#relabel);
    return sums.families();
  }

  /** The host-wide cap on worker label sets, over what each process's own cap let through. @param {Record<string, string>} labels */
  #relabel = (labels) => {
    if (labels.worker === undefined || labels.worker === "other") return labels;
    if (this.#workers.admits(JSON.stringify([labels.tenant, labels.worker, labels.version]))) return labels;
    return { ...labels, tenant: "other", worker: "other", version: "other" };
  };
}
