// A flood of idle connections to the public port must not stop the platform. Each connection costs
// a workerd process a descriptor, workerd has no connection cap of its own, and a process that runs
// out exits ("accept: Too many open files"): it costs that process only, which is restarted alone,
// blames no worker, and loses nothing acknowledged. The limit is lowered to 256 (OUTPOST_FD_LIMIT)
// so that 600 connections from this test exhaust it.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { workerdProcesses } from "../helpers/processes.js";
import { isProcessExit } from "../helpers/containment.js";

const FD_LIMIT = 256;
const FLOOD = 600;

/** PUT /key stores the body, GET /key answers it, GET /slow holds its request for 10 s. */
const NOTES = `export default { async fetch(request, env) {
  const key = new URL(request.url).pathname.slice(1);
  if (request.method === "PUT") { await env.KV.put(key, await request.text()); return new Response("stored"); }
  if (key === "slow") { await new Promise((resolve) => setTimeout(resolve, 10_000)); return new Response("slow"); }
  return new Response(await env.KV.get(key));
} };`;

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  // The journal printed too (OUTPOST_LOG_JOURNAL), to see when a slow request is in flight.
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "2", OUTPOST_FD_LIMIT: String(FD_LIMIT), OUTPOST_LOG_JOURNAL: "1" } });
  await platform.deploy("notes", await workerFile(NOTES), { tenant: "good", kv: { KV: "notes" } });
});
afterAll(() => platform?.stop());

/** The open-file limit of a process, soft and hard, from /proc. */
const fdLimitOf = (/** @type {number} */ pid) =>
  readFileSync(`/proc/${pid}/limits`, "utf8")
    .split("\n")
    .find((line) => line.startsWith("Max open files"))
    ?.split(/\s+/)
    .slice(3, 5)
    .map(Number);

/** Whether both pool processes run and answer on their private ports. */
async function poolServes() {
  const pooled = workerdProcesses(platform.dataDir).filter((proc) => proc.pooled);
  if (pooled.length !== 2) return false;
  const answers = await Promise.all(pooled.map(({ privatePort }) => fetch(`http://127.0.0.1:${privatePort}/healthz`).catch(() => null)));
  return answers.every((answer) => answer?.ok);
}

/** A request that may fail (its connection closed by a dying process): its status, or 0. */
const statusOf = (/** @type {Promise<{ status: number }>} */ pending) => pending.then((answer) => answer.status).catch(() => 0);

describe("connection flood", () => {
  it("connections: every workerd process gets the operator's open-file limit, logged at start", () => {
    const processes = workerdProcesses(platform.dataDir);
    expect(processes).toHaveLength(3); // two in the pool, one on probation
    for (const { pid } of processes) expect(fdLimitOf(pid)).toEqual([FD_LIMIT, FD_LIMIT]);
    expect(platform.events().some((e) => e.src === "outpost" && e.msg === `each workerd process may open ${FD_LIMIT} files`)).toBe(true);
  });

  it("connections: idle connections that exhaust the processes cost only them: the admin API, a neighbour's requests and every acknowledged write survive, no worker is blamed", async () => {
    const notes = Array.from({ length: 10 }, (_, i) => ({ key: `note-${i}`, value: `value-${i}` }));
    for (const { key, value } of notes) expect((await platform.fetchWorker("notes", `/${key}`, { method: "PUT", body: value })).text).toBe("stored");

    const from = platform.events().length;
    const since = () => platform.events().slice(from);
    // Requests in flight on the processes the flood will end: they must not be blamed for it.
    const slow = Array.from({ length: 4 }, () => statusOf(platform.fetchWorker("notes", "/slow")));
    // The journal's first line for the worker on a process: one of them is in flight there.
    await waitUntil(() => since().some((e) => e.src === "journal" && e.msg === "start" && e.worker === "notes"), 10_000);

    /** @type {import("node:net").Socket[]} */
    const flood = [];
    try {
      for (let i = 0; i < FLOOD; i++) flood.push(connect(platform.port, "127.0.0.1").on("error", () => {}));
      const exits = () => since().filter(isProcessExit);
      await waitUntil(() => exits().length > 0, 30_000);
      expect(since().some((e) => e.src === "workerd" && String(e.msg).includes("accept: Too many open files"))).toBe(true);

      // While what is left of the flood stays open:
      await waitUntil(async () => (await statusOf(platform.admin("GET", "/v1/workers"))) === 200, 30_000);
      await waitUntil(async () => (await platform.fetchWorker("notes", "/note-0").catch(() => null))?.text === "value-0", 30_000);
      await waitUntil(poolServes, 30_000);

      await Promise.all(slow);
      const kinds = exits().map((e) => e.kind);
      expect(new Set(kinds)).toEqual(new Set(["descriptors"]));
      expect(exits().some((e) => Array.isArray(e.suspects) && e.suspects.includes("good/notes"))).toBe(true);
      expect(since().filter((e) => e.msg === "incident reported")).toEqual([]);
    } finally {
      for (const socket of flood) socket.destroy();
    }

    await waitUntil(poolServes, 30_000);
    for (const { key, value } of notes) expect((await platform.fetchWorker("notes", `/${key}`)).text).toBe(value);
    expect((await platform.admin("GET", "/v1/workers")).status).toBe(200);
  });

  it("connections: a flood held over every process's limit costs the processes again and again, and the platform never gives up: it serves once the flood ends", async () => {
    expect((await platform.fetchWorker("notes", "/held", { method: "PUT", body: "kept" })).text).toBe("stored");
    const from = platform.events().length;
    const exits = () => platform.events().slice(from).filter(isProcessExit);
    /** @type {Set<import("node:net").Socket>} */
    const flood = new Set();
    let flooding = true;
    // Every connection a dying process held is closed with it: opened again at once.
    const refill = async () => {
      while (flooding) {
        while (flood.size < FLOOD) {
          const socket = connect(platform.port, "127.0.0.1").on("error", () => {});
          socket.on("close", () => flood.delete(socket));
          flood.add(socket);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const refilling = refill();
    try {
      // Eight exits: each process restarted several times, with the backoff (before: five crashes in a minute stopped everything).
      await waitUntil(() => exits().length >= 8, 60_000);
      expect(new Set(exits().map((e) => e.kind))).toEqual(new Set(["descriptors"]));
    } finally {
      flooding = false;
      await refilling;
      for (const socket of flood) socket.destroy();
    }
    await waitUntil(async () => (await platform.fetchWorker("notes", "/held").catch(() => null))?.text === "kept", 30_000);
    await waitUntil(poolServes, 30_000);
    expect((await platform.admin("GET", "/v1/workers")).status).toBe(200);
  });
});
