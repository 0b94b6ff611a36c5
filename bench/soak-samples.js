// What the soak samples from one Outpost host: memory and open descriptors of its processes
// (/proc), the size of its database and of its blob store, and how much live data they hold.
import { readFileSync, readdirSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";

const MIB = 1024 * 1024;

/**
 * The host's processes, by role: every workerd process, the supervisors (`outpost start` and the
 * pool's Node process, both naming the data directory on their command line) and the Postgres
 * postmaster (`-D <data dir>/…`; its backends come and go with connections, so they are left out).
 * @param {string} dataDir
 * @returns {{ pid: number, role: string }[]}
 */
function hostProcesses(dataDir) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readOrNull(`/proc/${entry}/cmdline`)?.split("\0") ?? [];
    if (!args.some((arg) => arg.startsWith(dataDir))) continue;
    const program = basename(args[0] ?? "");
    const script = basename(args[1] ?? "");
    const role =
      program === "workerd"
        ? "workerd"
        : script === "outpost.js"
          ? "outpost start"
          : script === "pool-main.js"
            ? "pool supervisor"
            : program === "postgres"
              ? "postgres"
              : null;
    if (role) found.push({ pid: Number(entry), role });
  }
  return found;
}

/**
 * Resident memory (MiB) and open descriptors per role, summed over the role's processes;
 * a process that ends between the listing and the reading counts as nothing.
 * @param {string} dataDir
 */
function processMetrics(dataDir) {
  /** @type {Record<string, number>} */
  const metrics = {};
  for (const { pid, role } of hostProcesses(dataDir)) {
    const rssKiB = Number(readOrNull(`/proc/${pid}/status`)?.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0);
    metrics[`${role} RSS MiB`] = (metrics[`${role} RSS MiB`] ?? 0) + rssKiB / 1024;
    // Unreadable when the process runs as another user (the embedded Postgres may).
    try {
      metrics[`${role} fds`] = (metrics[`${role} fds`] ?? 0) + readdirSync(`/proc/${pid}/fd`).length;
    } catch {}
  }
  return metrics;
}

/**
 * Files and bytes under the disk driver's blob directory.
 * @param {string} dir
 */
async function blobStore(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    // A blob collected between the listing and this stat is simply not counted.
    const size = await stat(join(entry.parentPath, entry.name)).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) continue;
    files++;
    bytes += size;
  }
  return { files, bytes };
}

/**
 * Database size and row counts: the live data (which the soak keeps constant) and the
 * bookkeeping that must not pile up (garbage listed for collection, open uploads).
 * @param {import("postgres").Sql} sql
 */
async function databaseMetrics(sql) {
  const [row] = await sql`SELECT
    pg_database_size(current_database()) AS database_bytes,
    (SELECT count(*) FROM kv_entries) AS kv_entries,
    (SELECT count(*) FROM r2_objects) AS r2_objects,
    (SELECT coalesce(sum(size), 0) FROM r2_objects) AS r2_bytes,
    (SELECT count(*) FROM r2_garbage) AS r2_garbage,
    (SELECT count(*) FROM r2_uploads) AS r2_uploads,
    (SELECT count(*) FROM queue_messages) AS queue_messages`;
  return {
    "database MiB": Number(row?.database_bytes) / MIB,
    "kv_entries (live)": Number(row?.kv_entries),
    "r2_objects (live)": Number(row?.r2_objects),
    "r2 object MiB (live)": Number(row?.r2_bytes) / MIB,
    "queue_messages (live)": Number(row?.queue_messages),
    r2_garbage: Number(row?.r2_garbage),
    r2_uploads: Number(row?.r2_uploads),
  };
}

/**
 * One sample of everything; a part that cannot be read (the database away, say) is left out
 * of this sample and counted in `unreadable`.
 * @param {string} dataDir
 * @param {import("postgres").Sql} sql
 * @returns {Promise<{ metrics: Record<string, number>, unreadable: string[] }>}
 */
export async function sampleHost(dataDir, sql) {
  /** @type {string[]} */
  const unreadable = [];
  const database = await databaseMetrics(sql).catch((error) => (unreadable.push(`database: ${error.message}`), {}));
  const blobs = await blobStore(join(dataDir, "blobs")).catch((error) => (unreadable.push(`blobs: ${error.message}`), null));
  return {
    metrics: {
      ...processMetrics(dataDir),
      ...database,
      ...(blobs ? { "blob files": blobs.files, "blob MiB": blobs.bytes / MIB } : {}),
    },
    unreadable,
  };
}

/** @param {string} path */
function readOrNull(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
