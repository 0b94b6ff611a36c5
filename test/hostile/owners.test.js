// Attacks on the calls forwarded to a database's owner (runner/owners/wire.ts): only a runner
// holding the master key can make one, for the database and the generation it signed, within
// seconds; and no tenant's fetch() reaches a process's private socket, even one the operator's
// egress allow-list names.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";
import { ownerCall, ownersDb } from "../helpers/owners.js";

const OUTPOST_MASTER_KEY = randomBytes(32).toString("base64");
/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {ReturnType<typeof ownersDb>} */
let db;
/** @type {Record<string, string>} */
const ids = {};
/** @type {{ port: number, generation: number }} */
let owner;

/** @param {string} tenant @param {string} sql */
const query = async (tenant, sql) => (await platform.admin("POST", `/v1/d1/databases/notes/query?tenant=${tenant}`, { sql })).body;
const count = async (/** @type {string} */ tenant) => (await query(tenant, "SELECT count(*) AS n FROM notes")).results[0].results[0].n;
const insert = [[{ sql: "INSERT INTO notes (body) VALUES ('forged')", params: [] }]];

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_PROCESSES: "1", OUTPOST_MASTER_KEY } });
  db = ownersDb(await platform.databaseUrl());
  for (const tenant of ["alice", "bob"]) {
    expect((await platform.admin("POST", `/v1/d1/databases?tenant=${tenant}`, { name: "notes" })).status).toBe(201);
    await query(tenant, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine')");
    ids[tenant] = await db.databaseId("notes", tenant);
  }
  const row = await db.owner(ids.alice ?? "");
  owner = { port: row?.port ?? 0, generation: row?.generation ?? 0 };
});
afterAll(async () => {
  await db?.close();
  await platform?.stop();
});

const call = (/** @type {Partial<Parameters<typeof ownerCall>[0]>} */ changes) =>
  ownerCall({ port: owner.port, masterKey: OUTPOST_MASTER_KEY, id: ids.alice ?? "", generation: owner.generation, method: "query", args: insert, ...changes });

describe("forwarded calls", () => {
  it("owner call: signed with another key, it is refused and changes nothing", async () => {
    for (const key of [randomBytes(32), Buffer.alloc(32)]) expect(await call({ signAs: { key } })).toMatchObject({ status: 403, text: "bad signature" });
    expect(await count("alice")).toBe(1);
  });

  it("owner call: a call signed for one tenant's database, sent for another's, is refused", async () => {
    const answer = await call({ id: ids.bob ?? "", signAs: { id: ids.alice ?? "" } });
    expect(answer).toMatchObject({ status: 403, text: "bad signature" });
    expect(await count("bob")).toBe(1);
  });

  it("owner call: an old one (replayed) or one from the future is refused", async () => {
    for (const time of [Date.now() - 60_000, Date.now() + 60_000]) expect(await call({ time })).toMatchObject({ status: 403, text: "stale or missing time" });
    expect(await count("alice")).toBe(1);
  });

  it("owner call: a body over 64 MiB is refused before it is read", async () => {
    // Only the headers are sent: the answer comes before any of the body.
    const status = await new Promise((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port: owner.port,
        method: "POST",
        path: `/_outpost/owner-call/d1/${ids.alice}/${owner.generation}`,
        headers: { "x-outpost-owner-time": String(Date.now()), "x-outpost-owner-signature": "0".repeat(64), "content-length": String(65 * 1024 * 1024) },
        agent: false,
      });
      req.on("response", (res) => (resolve(res.statusCode), req.destroy()));
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    expect(await count("alice")).toBe(1);
  });

  it("owner call: at a generation the owner does not hold, it answers moved and runs nothing", async () => {
    for (const generation of [owner.generation - 1, owner.generation + 1, 0]) {
      expect((await call({ generation })).status).toBe(409);
    }
    expect(await count("alice")).toBe(1);
  });

  it("owner call: a method the object does not offer is refused, even signed", async () => {
    for (const method of ["fetch", "constructor", "alarm", "ctx"]) {
      const answer = await call({ method, args: [] });
      expect(answer.status, method).toBe(500);
      expect(answer.text).toBe(`d1 objects have no method ${method}`);
    }
    // The owner's own copies and log: restoring nothing would empty the database, a snapshot would
    // read it all, trimming the log would lose what was not shipped.
    for (const [method, args] of /** @type {const} */ ([
      ["restore", [[], [], { op: "C", seq: 0, at: 0 }]],
      ["snapshot", []],
      ["logAfter", [0, 1000]],
      ["trimLog", [1000000]],
      ["position", []],
      ["toString", []],
    ])) {
      const answer = await call({ method, args: [...args] });
      expect(answer.status, method).toBe(500);
      expect(answer.text).toBe(`d1 objects have no method ${method}`);
    }
    expect(await count("alice")).toBe(1);
  });

  it("owner call: a valid one runs once: the same call sent again (replayed within its time) runs nothing", async () => {
    const callId = randomBytes(16).toString("hex");
    expect((await call({ callId })).status).toBe(200);
    expect(await call({ callId })).toMatchObject({ status: 503, text: "this call arrived before" });
    expect(await count("alice")).toBe(2);
  });
});

describe("egress", () => {
  it("egress: a worker's fetch() to an owner's private socket is refused, on its host and from another even when allow-listed", async () => {
    // The owner's: its address is in object_owners, where every host reads its peers from.
    const target = `127.0.0.1:${owner.port}`;
    const entry = await workerFile(`export default {
      async fetch(request) {
        try {
          const response = await fetch(new URL(request.url).searchParams.get("url"), { method: "POST" });
          return new Response("reached " + response.status);
        } catch (error) {
          return new Response("refused: " + error.message);
        }
      },
    };`);
    const url = `/?url=${encodeURIComponent(`http://${target}/_outpost/owner-call/d1/${ids.alice}/${owner.generation}`)}`;
    await platform.deploy("prober", entry);
    expect((await platform.fetchWorker("prober", url)).text).toBe(
      `refused: Outpost egress policy refused fetch to http://${target}: ${target} is a platform socket (a process's private socket).`,
    );
    // Another host on the same Postgres whose operator allow-listed that address: it is a peer's private socket.
    const second = await startPlatform({
      env: { DATABASE_URL: await platform.databaseUrl(), OUTPOST_MASTER_KEY, OUTPOST_PROCESSES: "1", OUTPOST_EGRESS_ALLOW: target },
    });
    try {
      await second.deploy("prober", entry);
      expect((await second.fetchWorker("prober", url)).text).toBe(
        `refused: Outpost egress policy refused fetch to http://${target}: ${target} is a platform socket (a process's private socket).`,
      );
    } finally {
      await second.stop();
    }
    expect(await count("alice")).toBe(2);
  });
});
