// The scheduler's own Postgres connections. Delivery runs inside the Scheduler Durable Object,
// whose sockets outlive requests just like the Database object's; with connections of its own,
// leases and acks neither queue behind tenants' synchronous commits on the shared pool (two
// connections) nor pay an RPC hop to it per statement.
import postgres from "postgres";
import type { Db } from "../db/client.ts";
import { poolOver } from "../db/pool.ts";

export function ownPool(connectionString: string, connections: number, applicationName: string): Db {
  return poolOver(postgres(connectionString, { max: connections, prepare: true, onnotice: () => {}, connection: { application_name: applicationName } }));
}
