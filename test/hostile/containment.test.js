// One tenant must not stop the others: a worker that spins forever or allocates without bound
// costs at most the process it ran in. The neighbour tenant and the admin API keep answering, the
// stuck or crashed process is replaced, and nothing stored is lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

const ATTACKER = `export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  if (path === "/spin") for (;;) {}
  if (path === "/bomb") { const hoard = []; for (;;) hoard.push(new Array(1e5).fill(Math.random())); }
  return new Response("attacker idle");
} };`;

const NEIGHBOUR = `export default { async fetch(request, env) {
  const n = Number((await env.KV.get("count")) ?? 0) + 1;
  await env.KV.put("count", String(n));
  return new Response(String(n));
} };`;

beforeAll(async () => {
  // Small limits keep the suite fast: a 300 ms stall limit, a 64 MiB heap per isolate.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "2", OUTPOST_STALL_MS: "300", OUTPOST_HEAP_MB: "64" } });
  await platform.deploy("attacker", await workerFile(ATTACKER), { tenant: "evil" });
  await platform.deploy("neighbour", await workerFile(NEIGHBOUR), { tenant: "good", kv: { KV: "counts" } });
});
afterAll(() => platform?.stop());

/**
 * Sends `attacks` requests to the attacker one after another while the neighbour tenant and the
 * admin API are polled one request at a time; returns what each side got.
 * @param {string} path
 * @param {number} attacks
 */
async function underAttack(path, attacks) {
  let attacking = true;
  /** @type {{ status: number, text: string }[]} */
  const neighbour = [];
  /** @type {number[]} */
  const admin = [];
  const attacked = (async () => {
    const outcomes = [];
    for (let i = 0; i < attacks; i++) outcomes.push((await platform.fetchWorker("attacker", path).catch(() => ({ status: 0 }))).status);
    attacking = false;
    return outcomes;
  })();
  // Polling goes on for 20 requests after the last attack: the platform must be whole again.
  const pollNeighbour = (async () => {
    for (let after = 0; attacking || after < 20; after += attacking ? 0 : 1) neighbour.push(await platform.fetchWorker("neighbour").catch(() => ({ status: 0, text: "" })));
  })();
  const pollAdmin = (async () => {
    for (let after = 0; attacking || after < 20; after += attacking ? 0 : 1) admin.push((await platform.admin("GET", "/v1/workers").catch(() => ({ status: 0 }))).status);
  })();
  const [outcomes] = await Promise.all([attacked, pollNeighbour, pollAdmin]);
  return { outcomes, neighbour, admin };
}

/**
 * Requests that got no answer. A kill ends the requests in flight on that process (documented), so
 * each attack may cost a sequential poller at most the one request it had there.
 * @param {{ status: number }[] | number[]} results
 */
const unanswered = (results) => results.filter((r) => (typeof r === "number" ? r : r.status) !== 200).length;

describe("containment", () => {
  it("loop: a worker spinning forever costs only its process; the neighbour and the admin API keep answering, and no count is lost", async () => {
    const { outcomes, neighbour, admin } = await underAttack("/spin", 3);
    expect(outcomes.every((status) => status !== 200)).toBe(true);
    expect(neighbour.length).toBeGreaterThan(3);
    expect(unanswered(neighbour)).toBeLessThanOrEqual(3);
    expect(unanswered(admin)).toBeLessThanOrEqual(3);
    const stalls = platform.events().filter((event) => /^workerd process \d ran \d+ ms without answering \(limit 300 ms\); killing it$/.test(String(event.msg)));
    expect(stalls).toHaveLength(3);
    // Every increment the neighbour was told about is stored: the next count follows the last one
    // answered (plus, at most, the increments of requests whose answers the kills cut off).
    const counts = neighbour.filter((r) => r.status === 200).map((r) => Number(r.text));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const last = counts.at(-1) ?? 0;
    const next = Number((await platform.fetchWorker("neighbour")).text);
    expect(next).toBeGreaterThan(last);
    expect(next).toBeLessThanOrEqual(last + 1 + unanswered(neighbour));
  });

  it("memory: a worker allocating without bound costs only its process; the neighbour and the admin API keep answering", async () => {
    const { outcomes, neighbour, admin } = await underAttack("/bomb", 3);
    expect(outcomes.every((status) => status !== 200)).toBe(true);
    expect(unanswered(neighbour)).toBeLessThanOrEqual(3);
    expect(unanswered(admin)).toBeLessThanOrEqual(3);
    const crashes = platform.events().filter((event) => event.src === "outpost" && event.kind === "memory");
    expect(crashes).toHaveLength(3);
    expect((await platform.fetchWorker("neighbour")).status).toBe(200);
  });
});
