// Containment: one tenant attacks, the others must not notice. How to read it: for
// BENCH_CONTAINMENT_SECONDS (30) tenant "evil" sends a request that spins forever (then, on a
// fresh platform with OUTPOST_HEAP_MB=128, one that allocates without bound) every 2 s, while a
// neighbour tenant's worker (a KV get and put per request) and the admin API (`GET /v1/workers`)
// are each polled one request at a time, every request on a new connection, given up after 2 s.
// "answered" counts 200s that came within 2 s, out of all polls; p50/p99 are over all polls (an
// unanswered one counts with the time it took to fail). "incidents" counts the supervisor's
// `workerd process N exited` lines (a stall kill or a crash each end one process), "killed for
// stalling" its `… killing it` lines, "uncertain" the incident reports the runner counted against
// nobody (another worker's request was in flight too); "suspended at incident" is the incident whose report
// suspended the attacker, and "suspended after" the time from the first attack to the attacker's
// first `503 … is suspended` answer (attacks go on every 2 s, so it is rounded up to one).
// Platform defaults otherwise: OUTPOST_STALL_MS 1000, OUTPOST_PROCESSES = cores (at least 2).
import { timedRequest } from "./load.js";
import { ATTACKER, NEIGHBOUR, isProcessExit } from "../test/helpers/containment.js";
import { startPlatform, workerFile } from "../test/helpers/platform.js";

const ATTACK_EVERY_MS = 2000;
/** A poll counts as answered when it got a 200 within this. */
const ANSWER_WITHIN_MS = 2000;
/** An attack request is given up after this (a stall kill ends it well before). */
const ATTACK_TIMEOUT_MS = 15_000;

/**
 * @typedef {{ polls: number, answered: number, percent: number, p50: number, p99: number }} PollResult
 * @typedef {object} AttackResult
 * @property {string} attack                 "spin" or "memory"
 * @property {Record<string, string>} env    the platform's settings beyond the defaults
 * @property {number} seconds
 * @property {PollResult} neighbour
 * @property {PollResult} admin
 * @property {number} attacks                requests the attacker sent
 * @property {number} incidents              workerd processes that exited (kills and crashes)
 * @property {number} stallKills             of them, killed by the watchdog for stalling
 * @property {number} uncertain              incidents the runner counted against nobody (more than one version in flight)
 * @property {number | null} suspendedAtIncident  the incident whose report suspended the attacker
 * @property {number | null} incidentsBeforeSuspended  exits before the attacker's first 503
 * @property {number | null} suspendedAfterMs      first attack → first "is suspended" answer
 */

/**
 * Both attacks, each on a platform of its own, for `seconds` each.
 * @param {number} seconds
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track  registers a platform for cleanup
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<AttackResult[]>}
 */
export async function measureContainment(seconds, track, release) {
  const results = [];
  for (const [attack, path, env] of /** @type {const} */ ([
    ["spin", "/spin", {}],
    ["memory", "/bomb", { OUTPOST_HEAP_MB: "128" }],
  ])) {
    const platform = track(await startPlatform({ env }));
    try {
      results.push(await underAttack(platform, attack, path, env, seconds));
    } finally {
      await release(platform);
    }
  }
  return results;
}

/**
 * @param {import("../test/helpers/platform.js").Platform} platform
 * @param {string} attack
 * @param {string} path
 * @param {Record<string, string>} env
 * @param {number} seconds
 * @returns {Promise<AttackResult>}
 */
async function underAttack(platform, attack, path, env, seconds) {
  await platform.deploy("attacker", await workerFile(ATTACKER), { tenant: "evil" });
  await platform.deploy("neighbour", await workerFile(NEIGHBOUR), { tenant: "good", kv: { KV: "counts" } });
  const attacker = { port: platform.port, host: "attacker.localhost" };
  const neighbour = { port: platform.port, host: "neighbour.localhost" };
  const admin = { port: platform.adminPort, path: "/v1/workers", headers: { authorization: `Bearer ${platform.token}` } };
  for (const [name, target] of /** @type {const} */ ([
    ["attacker", attacker],
    ["neighbour", neighbour],
    ["admin API", admin],
  ])) {
    const answer = await timedRequest({ ...target, timeoutMs: 10_000 });
    if (answer.status !== 200) throw new Error(`${name} answered ${answer.status} before the attack: ${answer.text.slice(0, 300)}`);
  }

  const eventsBefore = platform.events().length;
  const began = Date.now();
  const end = began + seconds * 1000;
  /** @type {Promise<{ sentAt: number, status: number, text: string, ms: number }>[]} */
  const attacks = [];
  for (let at = began; at < end; at += ATTACK_EVERY_MS) {
    attacks.push(
      new Promise((resolve) => setTimeout(resolve, at - Date.now()))
        .then(() => timedRequest({ ...attacker, path, timeoutMs: ATTACK_TIMEOUT_MS }))
        .then((answer) => ({ sentAt: at, ...answer })),
    );
  }
  const [neighbourPolls, adminPolls, outcomes] = await Promise.all([pollUntil(neighbour, end), pollUntil(admin, end), Promise.all(attacks)]);

  const events = platform.events().slice(eventsBefore);
  const exits = events.filter(isProcessExit);
  const stallKills = events.filter(
    (event) => event.src === "outpost" && /^workerd process \d+ ran \d+ ms without answering .*killing it$/.test(String(event.msg)),
  );
  const reports = events.filter((event) => event.src === "outpost" && event.msg === "incident reported");
  const suspendingReport = reports.findIndex((event) => Array.isArray(event.suspended) && event.suspended.includes("attacker"));
  const firstSuspended = outcomes.find((outcome) => outcome.status === 503 && outcome.text.includes("is suspended"));
  const suspendedAt = firstSuspended ? firstSuspended.sentAt + firstSuspended.ms : null;
  return {
    attack,
    env,
    seconds,
    neighbour: summarize(neighbourPolls),
    admin: summarize(adminPolls),
    attacks: outcomes.length,
    incidents: exits.length,
    stallKills: stallKills.length,
    uncertain: reports.filter((event) => event.certain === false).length,
    suspendedAtIncident: suspendingReport === -1 ? null : suspendingReport + 1,
    incidentsBeforeSuspended: suspendedAt === null ? null : exits.filter((event) => Date.parse(String(event.time)) < suspendedAt).length,
    suspendedAfterMs: suspendedAt === null ? null : suspendedAt - began,
  };
}

/**
 * Requests one after another until `end`.
 * @param {{ port: number, host?: string, path?: string, headers?: Record<string, string> }} target
 * @param {number} end
 */
async function pollUntil(target, end) {
  const answers = [];
  while (Date.now() < end) answers.push(await timedRequest({ ...target, timeoutMs: ANSWER_WITHIN_MS }));
  return answers;
}

/** @param {{ status: number, ms: number }[]} polls @returns {PollResult} */
function summarize(polls) {
  const answered = polls.filter((poll) => poll.status === 200 && poll.ms <= ANSWER_WITHIN_MS).length;
  const latencies = polls.map((poll) => poll.ms).sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { polls: polls.length, answered, percent: (100 * answered) / polls.length, p50: at(0.5), p99: at(0.99) };
}

/**
 * @param {AttackResult} r
 * @param {(ms: number) => string} fmtMs
 */
export function printContainment(r, fmtMs) {
  const settings = Object.entries(r.env)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  console.log(`  ${r.attack} (${r.seconds} s, an attack every ${ATTACK_EVERY_MS / 1000} s${settings ? `, ${settings}` : ""})`);
  for (const [label, p] of /** @type {const} */ ([
    ["neighbour", r.neighbour],
    ["admin API", r.admin],
  ])) {
    console.log(
      `    ${label.padEnd(10)} ${p.percent.toFixed(1).padStart(5)} % answered within 2 s (${p.answered} of ${p.polls})  p50 ${fmtMs(p.p50)}  p99 ${fmtMs(p.p99)}  (target ≥ 99 %)`,
    );
  }
  const suspended = r.suspendedAtIncident === null ? "not suspended (no incident report suspended it)" : `suspended at incident ${r.suspendedAtIncident}`;
  const answered503 =
    r.suspendedAfterMs === null
      ? "never answered 503 is suspended"
      : `first 503 "is suspended" ${(r.suspendedAfterMs / 1000).toFixed(1)} s after the first attack, after ${r.incidentsBeforeSuspended} incident(s)`;
  console.log(
    `    attacker   ${r.attacks} attacks, ${r.incidents} incidents (${r.stallKills} killed for stalling, ${r.uncertain} with uncertain blame); ${suspended}; ${answered503}  (target: suspended within 3 incidents)`,
  );
}
