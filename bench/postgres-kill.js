// Postgres killed under load: how soon the platform serves again by itself. One platform (the
// default process pool) with the embedded Postgres; WRITERS loops put fresh KV keys (every request
// needs the database) for `seconds`, then the postmaster gets SIGKILL and the supervisor
// (cli/postgres.js) starts it again. Times: from the kill until Postgres accepts a connection
// again (polled from here every POLL_MS), and from then until the first put answered 200 (the
// target: ≤ 5 s). The load goes on for `seconds` after Postgres is back; then every put that was
// acknowledged must be in the database (read as the cluster's superuser).
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { startPlatform } from "../test/helpers/platform.js";
import { timedRequest } from "./load.js";

const WRITERS = 4;
const POLL_MS = 20;
const REQUEST_TIMEOUT_MS = 15_000;
/** Postgres not back within this is a failure of the scenario, not a measurement. */
const GIVE_UP_MS = 60_000;
const TARGET_MS = 5_000;

const WORKER = `export default {
  async fetch(request, env) {
    const key = new URL(request.url).searchParams.get("key");
    await env.KV.put(key, "value of " + key);
    return new Response("ok");
  },
};`;

/** @typedef {{ seconds: number, killToBackMs: number, backToServingMs: number, requests: number, failed: number, acknowledged: number, lost: number, targetMs: number }} PostgresKillResult */

/**
 * @param {number} seconds  the load before the kill, and again after Postgres is back
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<PostgresKillResult>}
 */
export async function measurePostgresKill(seconds, track, release) {
  const platform = track(await startPlatform());
  const sources = await mkdtemp(join(tmpdir(), "outpost-bench-pgkill-"));
  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS });
  try {
    const file = join(sources, "writer.js");
    await writeFile(file, WORKER);
    await platform.deploy("pgkill", file, { kv: { KV: "pgkill-kv" } });
    const url = await platform.databaseUrl();

    /** @type {string[]} */
    const acknowledged = [];
    /** @type {{ status: number, at: number }[]} */
    const answers = [];
    let running = true;
    const writers = Array.from({ length: WRITERS }, async (_, writer) => {
      for (let i = 0; running; i++) {
        const key = `w${writer}-${i}`;
        const { status } = await timedRequest({ port: platform.port, host: "pgkill.localhost", path: `/?key=${key}`, timeoutMs: REQUEST_TIMEOUT_MS, agent });
        answers.push({ status, at: performance.now() });
        if (status === 200) acknowledged.push(key);
        else await sleep(POLL_MS);
      }
    });

    await sleep(seconds * 1000);
    const pid = Number((await readFile(join(platform.dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
    const killed = performance.now();
    process.kill(pid, "SIGKILL");
    // The old server may still answer for a moment while its backends go: wait for the new one.
    while ((await postmasterPid(platform.dataDir)) === pid || !(await accepts(url))) {
      if (performance.now() - killed > GIVE_UP_MS) throw new Error(`Postgres not back within ${GIVE_UP_MS} ms`);
      await sleep(POLL_MS);
    }
    const back = performance.now();
    await sleep(seconds * 1000);
    running = false;
    await Promise.all(writers);

    const firstServed = answers.find((answer) => answer.status === 200 && answer.at >= back);
    if (!firstServed) throw new Error(`no request served within ${seconds} s after Postgres was back`);
    const lost = await missing(url, acknowledged);
    return {
      seconds,
      killToBackMs: back - killed,
      backToServingMs: firstServed.at - back,
      requests: answers.length,
      failed: answers.filter((answer) => answer.status !== 200).length,
      acknowledged: acknowledged.length,
      lost: lost.length,
      targetMs: TARGET_MS,
    };
  } finally {
    agent.destroy();
    await rm(sources, { recursive: true, force: true });
    await release(platform);
  }
}

/** The postmaster's pid, or null while its pid file is missing (a restart in progress). @param {string} dataDir */
async function postmasterPid(dataDir) {
  try {
    return Number((await readFile(join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
  } catch {
    return null;
  }
}

/** Whether Postgres answers a query on a new connection. @param {string} url */
async function accepts(url) {
  const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/** The acknowledged keys whose value is not in the database. @param {string} url @param {string[]} acknowledged */
async function missing(url, acknowledged) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT convert_from(e.key, 'UTF8') AS key, convert_from(e.value, 'UTF8') AS value
      FROM kv_entries e JOIN kv_namespaces n ON n.id = e.namespace_id WHERE n.name = 'pgkill-kv'`;
    const stored = new Map(rows.map((row) => [row.key, row.value]));
    return acknowledged.filter((key) => stored.get(key) !== `value of ${key}`);
  } finally {
    await sql.end();
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {PostgresKillResult} r @param {(ms: number) => string} fmtMs */
export function printPostgresKill(r, fmtMs) {
  console.log(`  kill → Postgres accepts connections again: ${fmtMs(r.killToBackMs)}`);
  console.log(`  Postgres back → first put answered 200:   ${fmtMs(r.backToServingMs)}  (target ≤ ${r.targetMs / 1000} s)`);
  console.log(
    `  ${r.requests} puts by ${WRITERS} writers, ${r.failed} failed; ${r.acknowledged} acknowledged, ${r.lost} of them missing afterwards (target 0)`,
  );
}
