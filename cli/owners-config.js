// Where this host's processes keep the objects they own and how their peers reach them
// (runner/owners; docs/operations.md, "Objects and their owners"), read at start.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import postgres from "postgres";

/**
 * The address peers (other processes, other hosts) reach this host's private sockets at, which
 * they bind to: loopback unless the operator names this host's address on a private network.
 * @param {NodeJS.ProcessEnv} env
 */
export function privateHost(env) {
  const host = env.OUTPOST_PRIVATE_HOST ?? "127.0.0.1";
  if (!/^[0-9a-zA-Z.:-]+$/.test(host)) throw new Error(`OUTPOST_PRIVATE_HOST must be an address or host name, got ${host}`);
  return host;
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ ownerLeaseSeconds: number, objectSnapshotSeconds: number, objectHistoryDays: number, privateHost: string }}
 */
export function ownersConfig(env) {
  return {
    ownerLeaseSeconds: wholeNumber(env, "OUTPOST_OWNER_LEASE_SECONDS", 10, 3, 600),
    objectSnapshotSeconds: wholeNumber(env, "OUTPOST_OBJECT_SNAPSHOT_SECONDS", 60, 1, 86_400),
    objectHistoryDays: wholeNumber(env, "OUTPOST_OBJECT_HISTORY_DAYS", 7, 1, 365),
    privateHost: privateHost(env),
  };
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} name
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function wholeNumber(env, name, fallback, min, max) {
  const text = env[name] ?? String(fallback);
  const number = Number(text);
  if (!Number.isInteger(number) || number < min || number > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
  return number;
}

/**
 * This host's id, made on its first start and kept in the data directory: a host restarted on the
 * same disk is the same host, whose seats hold current files. Its seats are in `objects/<id>`.
 * @param {string} dataDir
 * @returns {Promise<{ hostId: string, objectsDir: string }>}
 */
export async function hostSeats(dataDir) {
  const file = join(dataDir, "host-id");
  let hostId = existsSync(file) ? (await readFile(file, "utf8")).trim() : "";
  if (!/^[0-9a-f]{16,64}$/.test(hostId)) {
    hostId = randomBytes(8).toString("hex");
    await writeFile(file, `${hostId}\n`, { mode: 0o600 });
  }
  const objectsDir = join(dataDir, "objects", hostId);
  await mkdir(objectsDir, { recursive: true, mode: 0o700 });
  return { hostId, objectsDir };
}

/**
 * Lets go of every object this host's processes owned before it started: none of them runs now (the
 * supervisor takes its workerd processes with it), so their seats' new processes may take the
 * objects at once instead of after their leases. A stop usually released them already; not when
 * the embedded Postgres stopped first, or the host was killed.
 * @param {string} databaseUrl
 * @param {string} hostId
 * @returns {Promise<number>} how many objects were let go
 */
export async function releaseHostObjects(databaseUrl, hostId) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // Their leases count as over from now: another host restores a copy only a lease later, once this host's seats had time to adopt them.
    const rows = await sql`UPDATE object_owners SET boot = NULL, address = NULL, lease_until = now() WHERE host = ${hostId} AND boot IS NOT NULL RETURNING 1`;
    return rows.length;
  } finally {
    await sql.end();
  }
}
