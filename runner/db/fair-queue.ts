// Calls to a few database connections, shared fairly by tenants. A connection serves one tenant at
// a time: it may carry several of that tenant's calls at once (pipelined, up to `depth`), never
// another tenant's, so a call stuck in Postgres (a row lock, a large write) holds up only its own
// tenant's calls behind it. A tenant holds at most `perTenant` connections, so a tenant that floods
// can never hold them all: its extra calls wait in its own line. When several tenants wait, a
// freed connection goes to the next of them in turn (round robin), not to the one with the longest
// line; while anyone waits, no tenant adds calls to a connection it already holds, so it drains
// and passes on. A tenant's own calls start in the order they came.

export interface FairQueueLimits {
  connections: number;
  /** Calls of one tenant a connection carries at once. */
  depth: number;
  /** Connections one tenant may hold at once: below `connections`, others always find one. */
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

interface Connection {
  tenant: string | null;
  running: number;
}

export class FairQueue {
  readonly #limits: FairQueueLimits;
  readonly #connections: Connection[];
  /** Each waiting tenant's calls, first come first; the map's order is the tenants' turn. */
  readonly #lines = new Map<string, ((connection: number) => void)[]>();

  constructor(limits: FairQueueLimits) {
    this.#limits = limits;
    this.#connections = Array.from({ length: limits.connections }, () => ({ tenant: null, running: 0 }));
  }

  /** Calls running now, and calls waiting for a turn: for tests and diagnostics. */
  get running(): number {
    return this.#connections.reduce((sum, connection) => sum + connection.running, 0);
  }

  get waiting(): number {
    let count = 0;
    for (const line of this.#lines.values()) count += line.length;
    return count;
  }

  /**
   * Runs `task` for `tenant` on a connection (its index) once it is the tenant's turn, or refuses
   * it after maxWaitMs.
   */
  run<T>(tenant: string, task: (connection: number) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (index: number) => {
        const connection = this.#connections[index] as Connection;
        connection.tenant = tenant;
        connection.running++;
        void (async () => task(index))()
          .then(resolve, reject)
          .finally(() => this.#ended(connection));
      };
      const free = this.#lines.has(tenant) ? -1 : this.#connectionFor(tenant);
      if (free >= 0) return start(free);
      const line = this.#lines.get(tenant) ?? [];
      this.#lines.set(tenant, line);
      const admitted = (index: number) => {
        clearTimeout(timer);
        start(index);
      };
      const timer = setTimeout(() => {
        line.splice(line.indexOf(admitted), 1);
        if (line.length === 0) this.#lines.delete(tenant);
        reject(new QueueWaitExceeded(this.#limits.maxWaitMs));
      }, this.#limits.maxWaitMs);
      line.push(admitted);
    });
  }

  /** A connection `tenant` may start a call on now, or -1. */
  #connectionFor(tenant: string): number {
    const othersWait = [...this.#lines.keys()].some((waiting) => waiting !== tenant);
    let held = 0;
    let idle = -1;
    for (const [index, connection] of this.#connections.entries()) {
      if (connection.tenant === tenant) {
        held++;
        if (!othersWait && connection.running < this.#limits.depth) return index;
      } else if (connection.tenant === null && idle < 0) idle = index;
    }
    return held < this.#limits.perTenant ? idle : -1;
  }

  #ended(connection: Connection): void {
    connection.running--;
    if (connection.running === 0) connection.tenant = null;
    this.#admit();
  }

  /** Starts waiting calls, one per tenant in turn, while any can start; a served tenant goes to the back. */
  #admit(): void {
    let admitted = true;
    while (admitted) {
      admitted = false;
      for (const [tenant, line] of [...this.#lines]) {
        const index = this.#connectionFor(tenant);
        if (index < 0) continue;
        const next = line.shift();
        this.#lines.delete(tenant);
        if (line.length > 0) this.#lines.set(tenant, line);
        next?.(index);
        admitted = true;
      }
    }
  }
}
