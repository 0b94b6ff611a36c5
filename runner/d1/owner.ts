// Who serves a database. Every call to a database's object goes through d1Object(): the one place
// that knows where the object lives. Each workerd process keeps its D1 files in a directory of its
// own (cli/pool.js), so until databases have owners (a lease per database, calls forwarded to its
// owner) only a lone pool process serves them: with several, each would serve a copy of its own.
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import type { D1ObjectStub } from "./contract.ts";

export function d1Object(env: Env, databaseId: string): D1ObjectStub {
  if (env.PROCESS_ROLE === "probation" || env.CONFIG.poolProcesses > 1) {
    const here = env.PROCESS_ROLE === "probation" ? "the probation process" : `a pool of ${env.CONFIG.poolProcesses} processes`;
    throw new PlatformError(
      "ERR_INTERNAL",
      503,
      `D1 is served only by a platform of one workerd process (OUTPOST_PROCESSES=1) until databases have owners; this is ${here}`,
    );
  }
  return env.D1.get(env.D1.idFromName(databaseId));
}
