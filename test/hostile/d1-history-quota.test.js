// A tenant cannot fill the blob store with D1 history (write logs, copies kept for time travel):
// past its d1_history_bytes quota the sweep forgets its oldest history, never its writes, and
// never another tenant's history.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

/** @param {string} tenant */
const on = (tenant) => ({
  /** @param {string} sql */
  query: async (sql) => {
    const answer = await platform.admin("POST", `/v1/d1/databases/notes/query?tenant=${tenant}`, { sql });
    expect(answer.body.error).toBeUndefined();
    return answer.body.results[0].results;
  },
  bookmark: async () => (await platform.admin("GET", `/v1/d1/databases/notes/time-travel/bookmark?tenant=${tenant}`)).body.bookmark,
  /** @param {string} bookmark */
  restore: (bookmark) => platform.admin("POST", `/v1/d1/databases/notes/time-travel/restore?tenant=${tenant}&bookmark=${bookmark}`),
  historyBytes: async () =>
    (await platform.admin("GET", `/v1/tenants/${tenant}/usage`)).body.usage.find(
      (/** @type {{ resource: string }} */ row) => row.resource === "d1_history_bytes",
    )?.used,
});

/** A database with some history: writes, and time-travel restores (each keeps a copy); the bookmarks along the way. @param {string} tenant */
async function withHistory(tenant) {
  const db = on(tenant);
  expect((await platform.admin("POST", `/v1/d1/databases?tenant=${tenant}`, { name: "notes" })).status).toBe(201);
  await db.query("CREATE TABLE notes (n INTEGER, body TEXT)");
  const bookmarks = [];
  for (let round = 1; round <= 3; round++) {
    await db.query(
      `WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 50) INSERT INTO notes SELECT value + ${round * 100}, printf('%.500c', 'x') FROM n`,
    );
    bookmarks.push(await db.bookmark());
    expect((await db.restore(bookmarks.at(-1))).status).toBe(200);
  }
  return bookmarks;
}

it("history over d1_history_bytes: the sweep forgets the tenant's oldest history; its writes, its newest history and other tenants' history stay", async () => {
  const hoarded = await withHistory("hoarder");
  const kept = await withHistory("bystander");
  const bystanderBytes = await on("bystander").historyBytes();
  expect(await on("hoarder").historyBytes()).toBeGreaterThan(0);

  expect((await platform.admin("PATCH", "/v1/tenants/hoarder/quotas", { d1_history_bytes: 1 })).status).toBe(200);
  expect((await platform.admin("POST", "/v1/maintenance/sweep")).status).toBe(200);

  // Only what a takeover needs is left: the newest copy and the log after it.
  const hoarder = on("hoarder");
  const refused = await hoarder.restore(hoarded[0] ?? "");
  expect(refused.status).toBe(400);
  expect(refused.body.error.message).toBe("Cannot time travel this database there: no copy of it from before that point is kept: its history begins later.");
  expect(await hoarder.query("SELECT count(*) AS n FROM notes")).toEqual([{ n: 150 }]);
  await hoarder.query("INSERT INTO notes VALUES (1000, 'still writes')");
  const latest = await hoarder.bookmark();
  expect((await hoarder.restore(latest)).status).toBe(200);
  expect(await hoarder.query("SELECT count(*) AS n FROM notes")).toEqual([{ n: 151 }]);

  // The other tenant's history is whole: its oldest point still restores.
  const bystander = on("bystander");
  expect(await bystander.historyBytes()).toBe(bystanderBytes);
  expect((await bystander.restore(kept[0] ?? "")).status).toBe(200);
  expect(await bystander.query("SELECT count(*) AS n FROM notes")).toEqual([{ n: 50 }]);
});
