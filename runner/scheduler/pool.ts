// The scheduler's own Postgres connections. Delivery runs inside the Scheduler Durable Object,
// whose sockets outlive requests just like the Database object's; with connections of its own,
// leases and acks neither queue behind tenants' synchronous commits on the shared pool (two
// connections, docs/architecture.md) nor pay an RPC hop to it per statement.
import postgres from "postgres";
import type { Db } from "../db/client.ts";
import { guardedPool } from "../db/guarded.ts";

/** Every call answered within the database deadline, as the Database object's (db/guarded.ts). */
export function ownPool(connectionString: string, connections: number, applicationName: string): Db {
  return guardedPool(() =>
    postgres(connectionString, { max: connections, prepare: true, onnotice: () => {}, connection: { application_name: applicationName } }),
  );
}
