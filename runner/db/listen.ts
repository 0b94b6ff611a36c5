// Change notifications over a dedicated Postgres connection (LISTEN/NOTIFY), kept subscribed
// by listener.ts. Used by the Database object (notifications.ts hands them to the features) and
// by the Scheduler (new messages, deploys).
import postgres from "postgres";
import { Listener, type ListenerOptions } from "./listener.ts";

export interface ListenOptions extends ListenerOptions {
  /** How the connection shows in pg_stat_activity. */
  applicationName?: string;
}

/** Opens the connection and subscribes to every channel; from then on it stays subscribed. */
export function keepListening(connectionString: string, { applicationName, ...options }: ListenOptions): void {
  const listener = new Listener((events) => {
    const sql = postgres(connectionString, {
      max: 1,
      ...(applicationName === undefined ? {} : { connection: { application_name: applicationName } }),
      idle_timeout: 0, // 0: never closed for idleness or age
      max_lifetime: 0,
      fetch_types: false,
      onnotice: () => {},
      onnotify: events.notified,
      onclose: events.closed,
    } as postgres.Options<{}>);
    // Channel names are the features' constants, never input.
    return { listen: (channel) => sql.unsafe(`LISTEN ${channel}`) };
  }, options);
  listener.start();
}
