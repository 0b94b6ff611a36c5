// `outpost d1 time-travel` end to end: a database restored to a moment noted between two writes
// holds only what was written before it, and restoring to the `previous_bookmark` the restore
// printed brings the later writes back.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

/** @param {string[]} args */
const outpost = (args) =>
  promisify(execFile)(process.execPath, [CLI, ...args], {
    cwd: tmpdir(),
    env: { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token },
  });

const bodies = async () =>
  JSON.parse((await outpost(["d1", "execute", "journal", "--command", "SELECT body FROM notes ORDER BY body", "--json"])).stdout)[0].results.map(
    (/** @type {{ body: string }} */ row) => row.body,
  );

it("time-travel restore: to a noted Unix second keeps only the rows written before it; to previous_bookmark brings the rest back", async () => {
  await outpost(["d1", "create", "journal"]);
  await outpost(["d1", "execute", "journal", "--command", "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('one'), ('two')"]);
  const before = JSON.parse((await outpost(["d1", "time-travel", "info", "journal", "--json"])).stdout);
  expect(before.bookmark).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}$/);

  // Unix seconds name a whole second: the later writes start after the noted one has passed.
  const noted = Math.ceil(Date.now() / 1000);
  while (Date.now() <= noted * 1000) await new Promise((resolve) => setTimeout(resolve, 20));
  await outpost(["d1", "execute", "journal", "--command", "INSERT INTO notes VALUES ('three'); DELETE FROM notes WHERE body = 'one'"]);
  expect(await bodies()).toEqual(["three", "two"]);

  expect((await outpost(["d1", "time-travel", "info", "journal", "--timestamp", String(noted)])).stdout).toBe(
    `🚧 Time Traveling...\n⚠️ Timestamp '${noted}' corresponds with bookmark '${before.bookmark}'\n⚡️ To restore to this specific bookmark, run:\n \`outpost d1 time-travel restore journal --bookmark=${before.bookmark}\`\n`,
  );
  const { stdout } = await outpost(["d1", "time-travel", "restore", "journal", "--timestamp", String(noted)]);
  const printed =
    /^🚧 Restoring database journal from bookmark (\S+)\n⚠️ This will overwrite all data in database journal\.\nIn-flight queries and transactions will be cancelled\.\n⚡️ Time travel in progress\.\.\.\n✅ Database journal restored back to bookmark (\S+)\n↩️ To undo this operation, you can restore to the previous bookmark: (\S+)\n$/.exec(
      stdout,
    );
  expect(printed?.[1]).toBe(before.bookmark);
  expect(await bodies()).toEqual(["one", "two"]);

  const undo = JSON.parse((await outpost(["d1", "time-travel", "restore", "journal", "--bookmark", printed?.[3] ?? "", "--json"])).stdout);
  expect(undo).toMatchObject({
    bookmark: expect.stringMatching(/^[0-9a-f]{16}-[0-9a-f]{16}$/),
    previous_bookmark: expect.any(String),
    message: expect.any(String),
  });
  expect(await bodies()).toEqual(["three", "two"]);
});
