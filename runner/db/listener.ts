// A LISTEN subscription that comes back by itself. Notifications are delivered only while the
// connection is subscribed, so the owner is told each time that changes (`hearing`) and must
// treat anything it could have missed while not hearing as stale. The connection and the timer
// are passed in, so the retry logic is tested without Postgres (test/unit/db-listener.test.ts);
// listen.ts connects it to postgres.js.

/** What the listener needs of a connection: one LISTEN statement per channel. */
export interface ListenConnection {
  listen(channel: string): Promise<unknown>;
}

/** Opens the connection; it reports notifications and its closing through these. */
export type Connect = (events: { notified(channel: string, payload: string): void; closed(): void }) => ListenConnection;

export interface ListenerOptions {
  channels: readonly string[];
  notified(channel: string, payload: string): void;
  /**
   * True once every channel is subscribed; false when the connection closes or subscribing
   * fails (then with the error).
   */
  hearing(heard: boolean, error?: unknown): void;
}

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 5_000;

/** Wait before the next attempt after `failures` losses in a row: 1 s, 2 s, 4 s, then 5 s. */
export function retryDelay(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** failures, MAX_RETRY_MS);
}

export class Listener {
  readonly #connect: Connect;
  readonly #options: ListenerOptions;
  readonly #schedule: (retry: () => void, ms: number) => void;
  #connection: ListenConnection | undefined;
  #failures = 0;
  #retryPending = false;
  // Only the latest attempt's outcome counts: a late answer to an older one says nothing now.
  #attempt = 0;

  constructor(connect: Connect, options: ListenerOptions, schedule: (retry: () => void, ms: number) => void = setTimeout) {
    this.#connect = connect;
    this.#options = options;
    this.#schedule = schedule;
  }

  /** Subscribes; after that it keeps itself subscribed. */
  start(): void {
    // postgres.js opens a closed connection again on its next statement, so one client serves every attempt.
    this.#connection ??= this.#connect({ notified: (channel, payload) => this.#options.notified(channel, payload), closed: () => this.#lost() });
    const connection = this.#connection;
    const attempt = ++this.#attempt;
    Promise.all(this.#options.channels.map((channel) => connection.listen(channel))).then(
      () => {
        if (attempt !== this.#attempt) return;
        this.#failures = 0;
        this.#options.hearing(true);
      },
      (error: unknown) => {
        if (attempt === this.#attempt) this.#lost(error);
      },
    );
  }

  // A closed connection and its failed LISTEN usually both report one loss: one retry for both.
  #lost(error?: unknown): void {
    this.#options.hearing(false, error);
    if (this.#retryPending) return;
    this.#retryPending = true;
    this.#schedule(() => {
      this.#retryPending = false;
      this.start();
    }, retryDelay(this.#failures++));
  }
}
