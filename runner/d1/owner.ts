// Who serves a database. Every call to a database's object goes through d1Object(): the one place
// that knows where the object lives. Here it is always this process's own object (the D1 worker
// service, cli/workerd-config.js); with several processes and hosts, the ownership layer decides.
import type { Env } from "../env.ts";
import type { D1ObjectStub } from "./contract.ts";

export function d1Object(env: Env, databaseId: string): D1ObjectStub {
  return env.D1.get(env.D1.idFromName(databaseId));
}
