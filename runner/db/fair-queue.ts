// Calls to a few database connections, shared fairly by tenants. Each tenant runs at most
// `perTenant` calls at once, so a tenant that floods can never hold every connection: its extra
// calls wait in its own line. When a call ends and several tenants wait, the freed slot goes to
// the next of them in turn (round robin), not to the one with the longest line; a tenant's own
// calls run in the order they came.

export interface FairQueueLimits {
  /** Calls running at once (about the connections the queue feeds). */
  slots: number;
  /** Calls one tenant may run at once: below `slots`, others always find room. */
  perTenant: number;
  /** How long a call may wait for its turn before it is refused with QueueWaitExceeded. */
  maxWaitMs: number;
}

/** A call waited `maxWaitMs` for its turn and never ran. */
export class QueueWaitExceeded extends Error {
  constructor(waitedMs: number) {
    super(`no turn within ${waitedMs} ms`);
  }
}

export class FairQueue {
  readonly #limits: FairQueueLimits;
  #running = 0;
  readonly #runningBy = new Map<string, number>();
  /** Each waiting tenant's calls, first come first; the map's order is the tenants' turn. */
  readonly #lines = new Map<string, (() => void)[]>();

  constructor(limits: FairQueueLimits) {
    this.#limits = limits;
  }

  /** Calls running now, and calls waiting for a slot: for tests and diagnostics. */
  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    let count = 0;
    for (const line of this.#lines.values()) count += line.length;
    return count;
  }

  /** Runs `task` for `tenant` once a slot is free and it is the tenant's turn (or refuses it: see maxWaitMs). */
  run<T>(tenant: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.#running++;
        this.#runningBy.set(tenant, (this.#runningBy.get(tenant) ?? 0) + 1);
        void (async () => task())()
          .then(resolve, reject)
          .finally(() => this.#ended(tenant));
      };
      if (!this.#lines.has(tenant) && this.#mayStart(tenant)) return start();
      const line = this.#lines.get(tenant) ?? [];
      this.#lines.set(tenant, line);
      const admitted = () => {
        clearTimeout(timer);
        start();
      };
      const timer = setTimeout(() => {
        line.splice(line.indexOf(admitted), 1);
        if (line.length === 0) this.#lines.delete(tenant);
        reject(new QueueWaitExceeded(this.#limits.maxWaitMs));
      }, this.#limits.maxWaitMs);
      line.push(admitted);
    });
  }

  #mayStart(tenant: string): boolean {
    return this.#running < this.#limits.slots && (this.#runningBy.get(tenant) ?? 0) < this.#limits.perTenant;
  }

  #ended(tenant: string): void {
    this.#running--;
    const left = (this.#runningBy.get(tenant) ?? 1) - 1;
    if (left === 0) this.#runningBy.delete(tenant);
    else this.#runningBy.set(tenant, left);
    this.#admit();
  }

  /** Fills free slots, one call per waiting tenant in turn; a served tenant goes to the back. */
  #admit(): void {
    let admitted = true;
    while (admitted && this.#running < this.#limits.slots) {
      admitted = false;
      for (const [tenant, line] of this.#lines) {
        if (this.#running >= this.#limits.slots) return;
        if (!this.#mayStart(tenant)) continue;
        const next = line.shift();
        this.#lines.delete(tenant);
        if (line.length > 0) this.#lines.set(tenant, line);
        next?.();
        admitted = true;
      }
    }
  }
}
