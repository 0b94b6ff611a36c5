// D1 ownership (runner/owners): what forwarding a call to a database's owner adds, and how soon a
// database serves again after its owner is killed. How to read it: on a platform with
// OUTPOST_PROCESSES=2 and the default 10 s lease, one database; a point select by primary key
// through the admin API's query route on each process's private port, on a keep-alive connection
// each, one at the owner (local) and one at the other process (forwarded to the owner over its
// private socket) in turn: the p50 of each and their difference. Then BENCH_OWNERS_KILLS times (default
// 3): SIGKILL of the owner, and the time until a query through the admin socket answers again
// (its slot's next process adopts the database once the lease has run out; target: lease + 2 s).
import { Agent, request } from "node:http";
import { startPlatform } from "../test/helpers/platform.js";
import { ownersDb } from "../test/helpers/owners.js";
import { workerdProcesses } from "../test/helpers/processes.js";

const SELECTS = 2000;
const LEASE_SECONDS = 10;
const GIVE_UP_MS = 60_000;

/**
 * @param {number} kills
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 */
export async function measureOwners(kills, track, release) {
  const platform = track(await startPlatform({ env: { OUTPOST_PROCESSES: "2" } }));
  const db = ownersDb(await platform.databaseUrl());
  try {
    await platform.admin("POST", "/v1/d1/databases", { name: "bench" });
    await platform.admin("POST", "/v1/d1/databases/bench/query", { sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one')" });
    const id = await db.databaseId("bench");
    const owner = await db.owner(id);
    const pooled = workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);
    const other = pooled.find((proc) => proc.privatePort !== owner?.port);
    if (!owner || !other) throw new Error("owners bench: no owner, or no second process");
    const { local, forwarded } = await selectP50s(owner.port, other.privatePort, platform.token);
    /** @type {number[]} */
    const takeovers = [];
    for (let i = 0; i < kills; i++) {
      const current = await db.owner(id);
      const victim = workerdProcesses(platform.dataDir).find((proc) => proc.privatePort === current?.port);
      if (!victim) throw new Error("owners bench: the owner's process is not found");
      const killed = process.hrtime.bigint();
      process.kill(victim.pid, "SIGKILL");
      const elapsed = () => Number(process.hrtime.bigint() - killed) / 1e6;
      while (
        (await platform.admin("POST", "/v1/d1/databases/bench/query", { sql: "SELECT v FROM t WHERE id = 1" }).catch(() => ({ status: 0 }))).status !== 200
      ) {
        if (elapsed() > GIVE_UP_MS) throw new Error(`owners bench: not serving again within ${GIVE_UP_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      takeovers.push(elapsed());
    }
    const sorted = [...takeovers].sort((a, b) => a - b);
    return {
      local,
      forwarded,
      added: forwarded - local,
      leaseSeconds: LEASE_SECONDS,
      takeover: { p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted.at(-1) ?? NaN, samples: takeovers },
    };
  } finally {
    await db.close();
    await release(platform);
  }
}

/**
 * The p50 of a point select at each port, the two taken in turn (one at the owner, one forwarded,
 * and again), so that the machine's other work weighs on both alike.
 * @param {number} localPort @param {number} forwardedPort @param {string} token
 */
async function selectP50s(localPort, forwardedPort, token) {
  const agents = [localPort, forwardedPort].map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const body = JSON.stringify({ sql: "SELECT v FROM t WHERE id = ?", params: [1] });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  /** @param {number} port @param {Agent} agent @returns {Promise<number>} its time in ms */
  const once = (port, agent) =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/v1/d1/databases/bench/query", agent, headers }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
            : reject(new Error(`query on port ${port} answered ${res.statusCode}`)),
        );
      });
      req.on("error", reject);
      req.end(body);
    });
  const [localAgent, forwardedAgent] = /** @type {[Agent, Agent]} */ (agents);
  try {
    for (let i = 0; i < SELECTS / 5; i++) await Promise.all([once(localPort, localAgent), once(forwardedPort, forwardedAgent)]);
    /** @type {number[]} */
    const local = [];
    /** @type {number[]} */
    const forwarded = [];
    for (let i = 0; i < SELECTS; i++) {
      local.push(await once(localPort, localAgent));
      forwarded.push(await once(forwardedPort, forwardedAgent));
    }
    return { local: median(local), forwarded: median(forwarded) };
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

/** @param {number[]} samples */
const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;

/**
 * @param {Awaited<ReturnType<typeof measureOwners>>} r
 * @param {(ms: number) => string} fmtMs
 */
export function printOwners(r, fmtMs) {
  console.log(`  point select  at the owner p50 ${fmtMs(r.local)}  forwarded p50 ${fmtMs(r.forwarded)}  added ${fmtMs(r.added)}  (target ≤ 1 ms)`);
  const each = r.takeover.samples.map((ms) => Math.round(ms)).join(", ");
  console.log(
    `  owner killed → serving again: p50 ${fmtMs(r.takeover.p50)}  max ${fmtMs(r.takeover.max)}  (${each} ms; lease ${r.leaseSeconds} s, target ≤ ${r.leaseSeconds + 2} s)`,
  );
}
