// Containment of a tenant's queue consumer and scheduled() handler, not only its fetch(): one that
// spins forever while another tenant's worker has calls in flight on the same process makes blame
// uncertain, so both go on probation; their batches and cron attempts then run in the probation
// process, one at a time, where the next stall has one suspect. The attacker ends up suspended;
// the neighbour keeps being served, is never suspended and loses no message. One pool process
// makes "the same process" certain; a 300 ms stall limit keeps the suite fast.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { isProcessExit } from "../helpers/containment.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

/** Spins in queue() and in scheduled(); its fetch() says whether it is still served. */
const SPINNER = `export default {
  fetch() { return new Response("spinner idle"); },
  queue() { for (;;) {} },
  scheduled() { for (;;) {} },
};`;

/**
 * Each request, and each batch, waits 150 ms: with a few pollers and a message every 100 ms, a
 * call of the neighbour is nearly always in flight, its queue consumer's included, which used to
 * run in the pool on probation too. Each message consumed is marked seen in KV; GET /seen lists them.
 */
const NEIGHBOUR = `export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/seen") {
      const { keys } = await env.KV.list({ prefix: "seen:" });
      return Response.json(keys.map((key) => key.name.slice(5)));
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    return new Response("neighbour ok");
  },
  async queue(batch, env) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (const message of batch.messages) await env.KV.put("seen:" + message.body, "1");
  },
};`;

/** Concurrent pollers of the neighbour. */
const POLLERS = 3;

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_STALL_MS: "300" } });
  await platform.deploy("spinner", await workerFile(SPINNER), {
    tenant: "evil",
    queues: { consumers: [{ queue: "spin-jobs", maxBatchTimeout: 0, maxRetries: 10 }] },
  });
  await platform.deploy("ticker", await workerFile(SPINNER), { tenant: "evil" });
  // A batch forwarded to the probation process when it is killed counts as a failed delivery
  // (retried), like a batch on a host that died: the retries cover the kills of the attack.
  await platform.deploy("neighbour", await workerFile(NEIGHBOUR), {
    tenant: "good",
    kv: { KV: "seen" },
    queues: { consumers: [{ queue: "good-jobs", maxBatchTimeout: 0, maxRetries: 10 }] },
  });
});
afterAll(() => platform?.stop());

/** @param {string} queue @param {string} tenant @param {string} body */
const send = (queue, tenant, body) =>
  // The admin socket is served by the pool process too: a kill closes the connections on it.
  platform.admin("POST", `/v1/queues/${queue}/messages?tenant=${tenant}`, { messages: [{ body, contentType: "text" }] }).catch(() => ({ status: 0 }));

/** @param {string} name */
const workerRow = async (name) => (await platform.admin("GET", `/v1/workers/${name}`)).body;

/**
 * Runs `attack` until the attacker's requests are answered "is suspended" (at most 90 s) while the
 * neighbour is polled by POLLERS loops and sent a message every 100 ms; then 10 more requests
 * each. Returns what the neighbour answered, the messages sent to it, and the processes killed.
 * @param {string} attacker
 * @param {() => Promise<unknown>} attack  one attack, which returns once it is over
 */
async function underAttack(attacker, attack) {
  const from = platform.events().length;
  const since = () => platform.events().slice(from);
  let attacking = true;
  /** @type {number[]} */
  const answers = [];
  /** @type {string[]} */
  const sent = [];
  const poll = async () => {
    for (let after = 0; attacking || after < 10; after += attacking ? 0 : 1) {
      answers.push((await platform.fetchWorker("neighbour").catch(() => ({ status: 0 }))).status);
    }
  };
  const feed = async () => {
    while (attacking) {
      const body = `${attacker}-${sent.length}`;
      if ((await send("good-jobs", "good", body)).status === 201) sent.push(body);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const pollers = [...Array.from({ length: POLLERS }, poll), feed()];
  // Let the neighbour get busy first: the attack must find its calls in flight.
  await waitUntil(() => answers.length >= POLLERS, 10_000);
  const suspended = async () => (await platform.fetchWorker(attacker).catch(() => ({ text: "" }))).text.includes("is suspended");
  try {
    const deadline = Date.now() + 90_000;
    const exits = () => since().filter(isProcessExit);
    const reports = () => since().filter((e) => e.msg === "incident reported");
    while (!(await suspended()) && Date.now() < deadline) {
      await attack();
      // The next attack once the supervisor has reported every incident so far to the runner.
      await waitUntil(() => reports().length >= exits().length, 10_000);
    }
  } finally {
    attacking = false;
    await Promise.all(pollers);
  }
  const kills = since().filter((e) => e.src === "outpost" && /^workerd process \d+ ran \d+ ms without answering/.test(String(e.msg)));
  const uncertain = since().filter((e) => String(e.msg).startsWith("incident: blame is not certain"));
  return { answers, sent, kills, uncertain };
}

/** @param {string[]} sent */
async function expectAllSeen(sent) {
  /** @type {string[]} */
  let seen = [];
  await waitUntil(async () => {
    const result = await platform.fetchWorker("neighbour", "/seen");
    seen = result.status === 200 ? JSON.parse(result.text) : [];
    return sent.every((body) => seen.includes(body));
  }, 60_000).catch(() => {});
  expect(sent.filter((body) => !seen.includes(body))).toEqual([]);
}

/**
 * What every side sees once the attacker is suspended. A kill ends the calls in flight on that
 * process, and a kill of the probation process the neighbour's requests waiting there (answered
 * 503 by the runner that forwarded them): at most one request per poller per kill.
 * @param {string} attacker
 * @param {Awaited<ReturnType<typeof underAttack>>} seen
 */
async function expectContained(attacker, { answers, sent, kills, uncertain }) {
  // The attack found the neighbour in flight: blame was uncertain, and was made certain on
  // probation, in process 1 (the probation process comes after the one pool process).
  expect(uncertain.length).toBeGreaterThanOrEqual(1);
  expect(kills.some((e) => String(e.msg).startsWith("workerd process 1 "))).toBe(true);
  const response = await platform.fetchWorker(attacker);
  expect(response.status).toBe(503);
  expect(response.text).toMatch(
    new RegExp(`^Worker ${attacker} is suspended: it stalled its process for longer than its CPU limit \\d+ times within 10 minutes`),
  );
  expect(kills.length).toBeLessThanOrEqual(5);
  const neighbour = await workerRow("neighbour");
  expect(neighbour.suspended).toBe(null);
  expect(neighbour.probation).toBe(null); // a bystander of the suspended worker
  expect(answers.filter((status) => status !== 200).length).toBeLessThanOrEqual(POLLERS * kills.length);
  expect(answers.slice(-POLLERS * 5)).toEqual(Array(POLLERS * 5).fill(200));
  expect(sent.length).toBeGreaterThanOrEqual(5);
  await expectAllSeen(sent);
}

describe("containment of events", () => {
  it("queue: a consumer spinning forever beside a busy neighbour is suspended; the neighbour keeps being served and loses no message", async () => {
    let sentSpin = false;
    let attempts = 0;
    const result = await underAttack("spinner", async () => {
      // One message is enough: its lease comes back after each kill, and maxRetries is high. A
      // send whose answer was lost with a killed process may have been stored: it is sent again.
      if (!sentSpin) {
        attempts++;
        sentSpin = (await send("spin-jobs", "evil", "spin")).status === 201;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    });
    await expectContained("spinner", result);
    // Suspended: its message waits, undelivered (one per send that may have been stored).
    const { body } = await platform.admin("GET", "/v1/queues?tenant=evil");
    const depth = body.queues.find((/** @type {{ name: string }} */ q) => q.name === "spin-jobs").depth;
    expect(depth).toBeGreaterThanOrEqual(1);
    expect(depth).toBeLessThanOrEqual(attempts);
  }, 150_000);

  it("cron: a scheduled() handler spinning forever beside a busy neighbour is suspended; the neighbour keeps being served", async () => {
    const result = await underAttack("ticker", () => platform.admin("POST", "/v1/workers/ticker/scheduled", { cron: "* * * * *" }).catch(() => {}));
    await expectContained("ticker", result);
    const runs = (await platform.admin("GET", "/v1/workers/ticker/scheduled")).body.runs;
    expect(runs.length).toBeGreaterThanOrEqual(1);
  }, 150_000);
});
