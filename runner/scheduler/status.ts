// What a host's scheduler reports on its heartbeat (POST /v1/maintenance/tick), and the RPC
// surface runner/env.ts names. A leaf module: the environment's type would otherwise import the
// Scheduler class, and with it the queue and cron code that imports the environment.

export interface PumpStatus {
  queue: string;
  tenant: string;
  worker: string;
  inFlight: number;
  batches: number;
  delivered: number;
  failures: number;
}

export interface CronStatus {
  worker: string;
  cron: string;
  next: string | null;
}

export interface SchedulerStatus {
  listening: boolean;
  queues: PumpStatus[];
  crons: CronStatus[];
  /** Cron ticks this host reached for, and those it won and ran. */
  cronTicks: { reached: number; ran: number };
}

/** The Scheduler object's methods callers use (scheduler.ts implements it). */
export interface SchedulerRpc extends Rpc.DurableObjectBranded {
  /** The heartbeat: starts the scheduler if needed and returns what this host is doing. */
  tick(): Promise<SchedulerStatus>;
}
