// D1 on Outpost beyond the shared suite (test/d1-suite): what only a real platform shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

// Runs the JSON body's statement (with `bind`) on env.DB and answers what `first()` gave.
const WORKER = `export default {
  async fetch(request, env) {
    const { sql, bind = [] } = await request.json();
    try {
      return Response.json({ result: await env.DB.prepare(sql).bind(...bind).first() });
    } catch (error) {
      return Response.json({ error: error.message });
    }
  },
};`;

/** @param {string} worker @param {string} sql @param {unknown[]} [bind] */
async function first(worker, sql, bind = []) {
  const response = await platform.fetchWorker(worker, "/", { method: "POST", body: JSON.stringify({ sql, bind }) });
  return JSON.parse(response.text);
}

beforeAll(async () => {
  platform = await startPlatform();
  await platform.deploy("d1x", await workerFile(WORKER), { d1: { DB: { databaseName: "d1x", databaseId: "6f0c4a52-1b1e-4c61-9f43-7b2f1c7b3a10" } } });
});
afterAll(() => platform?.stop());

describe("binding", () => {
  it("first: a statement runs end to end", async () => {
    expect(await first("d1x", "select 1 as x")).toEqual({ result: { x: 1 } });
  });

  it("tables persist across calls", async () => {
    await first("d1x", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    await first("d1x", "INSERT INTO notes (body) VALUES (?)", ["hello"]);
    expect(await first("d1x", "SELECT body FROM notes WHERE id = 1")).toEqual({ result: { body: "hello" } });
  });
});
