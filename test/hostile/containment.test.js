// One tenant must not stop the others: a worker that spins forever or allocates without bound
// costs at most the process it ran in. The neighbour tenant and the admin API keep answering, the
// stuck or crashed process is replaced, and nothing stored is lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKER, NEIGHBOUR, isProcessExit } from "../helpers/containment.js";
import { httpRequest, startPlatform, waitUntil, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// Computes for about a second at a time, far past its own limits.cpu_ms (200 ms), though under the platform's.
const CRUNCHER = `export default { async fetch(request) {
  const rounds = new URL(request.url).pathname === "/crunch" ? 2e9 : 1e5;
  let sum = 0;
  for (let i = 0; i < rounds; i++) sum += i % 7;
  return new Response(String(sum));
} };`;

beforeAll(async () => {
  // Small limits keep the suite fast: a 300 ms stall limit, a 64 MiB heap per isolate.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "2", OUTPOST_STALL_MS: "300", OUTPOST_HEAP_MB: "64" } });
  await platform.deploy("attacker", await workerFile(ATTACKER), { tenant: "evil" });
  await platform.deploy("neighbour", await workerFile(NEIGHBOUR), { tenant: "good", kv: { KV: "counts" } });
  await platform.deploy("cruncher", await workerFile(CRUNCHER), { tenant: "evil", limits: { cpuMs: 200 } });
});
afterAll(() => platform?.stop());

/**
 * Attacks (one request at a time, each ending when its process is killed, the next once that
 * incident is reported) until the attacker is suspended, at most 6 times, while the neighbour tenant and the admin API are polled one request at
 * a time, then 20 more each: returns what every side got.
 * @param {string} path
 */
async function underAttack(path, attacker = "attacker") {
  let attacking = true;
  const from = platform.events().length;
  const exits = () => platform.events().slice(from).filter(isProcessExit);
  const reports = () =>
    platform
      .events()
      .slice(from)
      .filter((e) => e.msg === "incident reported");
  /** @type {{ status: number, text: string }[]} */
  const neighbour = [];
  /** @type {number[]} */
  const admin = [];
  const attacked = (async () => {
    /** @type {{ status: number, text: string }[]} */
    const outcomes = [];
    while (outcomes.length < 8 && !outcomes.at(-1)?.text.includes("is suspended")) {
      const outcome = await platform.fetchWorker(attacker, path).catch(() => ({ status: 0, text: "" }));
      outcomes.push(outcome);
      // The next attack once the supervisor has reported every incident so far to the runner.
      await waitUntil(() => reports().length >= exits().length, 10_000);
    }
    attacking = false;
    return outcomes;
  })();
  const pollNeighbour = (async () => {
    for (let after = 0; attacking || after < 20; after += attacking ? 0 : 1)
      neighbour.push(await platform.fetchWorker("neighbour").catch(() => ({ status: 0, text: "" })));
  })();
  const pollAdmin = (async () => {
    // A connection per request, as for the neighbour: a kept-alive connection to a process that
    // gets stuck waits for its kill (documented), which is not what this measures.
    const get = () => httpRequest(platform.adminPort, "127.0.0.1", "/v1/workers", { headers: { authorization: `Bearer ${platform.token}` } });
    for (let after = 0; attacking || after < 20; after += attacking ? 0 : 1) admin.push((await get().catch(() => ({ status: 0 }))).status);
  })();
  const [outcomes] = await Promise.all([attacked, pollNeighbour, pollAdmin]);
  return { outcomes, neighbour, admin, incidents: exits() };
}

/**
 * Requests that got no answer. A kill ends the requests in flight on that process (documented), so
 * each attack may cost a sequential poller at most the one request it had there.
 * @param {{ status: number }[] | number[]} results
 */
const unanswered = (results) => results.filter((r) => (typeof r === "number" ? r : r.status) !== 200).length;

/**
 * Incidents before the suspension: 3 when each attack comes after the last one's notification has
 * reached every process (the bench's paced attacker); on a loaded machine an attack can overtake
 * it and cost one more incident, counted once confirmed.
 */
const MAX_INCIDENTS = 5;

/**
 * What the neighbour may lose: the request each kill cuts off, and, once it is on probation, the
 * first request each of the 2 pool processes forwards after a kill of the probation process (the
 * runner cannot tell a request that never reached it from one that was running, so neither is sent
 * twice).
 * @param {number} kills
 */
const neighbourMayLose = (kills) => kills + 2;

/** @param {string} name */
const workerRow = async (name) => (await platform.admin("GET", `/v1/workers/${name}`)).body;

describe("containment", () => {
  it("loop: a worker spinning forever costs only its process and is suspended; the neighbour and the admin API keep answering, and no count is lost", async () => {
    const { outcomes, neighbour, admin, incidents } = await underAttack("/spin");
    const kills = incidents.length;
    expect(kills).toBeLessThanOrEqual(MAX_INCIDENTS);
    expect(incidents.every((e) => e.kind === "cpu")).toBe(true);
    expect(outcomes.at(-1)?.status).toBe(503);
    expect(outcomes.at(-1)?.text).toMatch(/^Worker attacker is suspended: it stalled its process for longer than its CPU limit \d+ times within 10 minutes/);
    expect((await workerRow("attacker")).suspended).toMatchObject({ reason: expect.stringMatching(/^it stalled its process/) });
    expect((await workerRow("neighbour")).suspended).toBe(null);
    expect(unanswered(neighbour)).toBeLessThanOrEqual(neighbourMayLose(kills));
    expect(unanswered(admin)).toBeLessThanOrEqual(kills);
    const stalls = platform
      .events()
      .filter((event) => /^workerd process \d ran \d+ ms without answering \(limit 300 ms\); killing it$/.test(String(event.msg)));
    expect(stalls).toHaveLength(kills);
    // Every increment the neighbour was told about is stored: the next count follows the last one
    // answered (plus, at most, the increments of requests whose answers the kills cut off).
    const counts = neighbour.filter((r) => r.status === 200).map((r) => Number(r.text));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const last = counts.at(-1) ?? 0;
    const next = Number((await platform.fetchWorker("neighbour")).text);
    expect(next).toBeGreaterThan(last);
    expect(next).toBeLessThanOrEqual(last + 1 + unanswered(neighbour));
  });

  it("memory: a worker allocating without bound costs only its process and is suspended; the neighbour and the admin API keep answering", async () => {
    await platform.admin("POST", "/v1/workers/attacker/resume");
    const { outcomes, neighbour, admin } = await underAttack("/bomb");
    // A request that ran on the probation process when it was killed is answered 503 by the runner
    // that forwarded it; one that ran on a pool process gets no answer.
    const kills = outcomes.filter((o) => o.status === 0 || o.text.includes("on probation")).length;
    expect(kills).toBeLessThanOrEqual(MAX_INCIDENTS);
    expect(outcomes.at(-1)?.text).toMatch(/^Worker attacker is suspended: it ran its process out of memory \d+ times within 10 minutes/);
    expect((await workerRow("neighbour")).suspended).toBe(null);
    expect(unanswered(neighbour)).toBeLessThanOrEqual(neighbourMayLose(kills));
    expect(unanswered(admin)).toBeLessThanOrEqual(kills);
    expect((await platform.fetchWorker("neighbour")).status).toBe(200);
  });

  it("cpu_ms: a worker computing past its own limits.cpu_ms is stopped at that limit, not the platform's, and suspended", async () => {
    expect((await platform.fetchWorker("cruncher", "/light")).status).toBe(200);
    const { outcomes, neighbour, incidents } = await underAttack("/crunch", "cruncher");
    expect(incidents.length).toBeLessThanOrEqual(MAX_INCIDENTS);
    expect(outcomes.at(-1)?.text).toMatch(/^Worker cruncher is suspended: it stalled its process for longer than its CPU limit/);
    const stopped = platform
      .events()
      .filter((event) => /^workerd process \d ran \d+ ms without answering \(limit 200 ms\); killing it$/.test(String(event.msg)));
    expect(stopped).toHaveLength(incidents.length);
    expect(unanswered(neighbour)).toBeLessThanOrEqual(neighbourMayLose(incidents.length));
    expect((await workerRow("neighbour")).suspended).toBe(null);
  });
});
