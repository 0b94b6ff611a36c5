// `outpost d1 time-travel` as a user types it, against a real platform: the argument errors, each
// refused before a restore runs (wrangler's wording for what wrangler refuses), and the help text.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));
const BOOKMARK = "0000000000000001-00000000000000ff";

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
  expect((await platform.admin("POST", "/v1/d1/databases", { name: "notes" })).status).toBe(201);
});
afterAll(() => platform?.stop());

/** @param {string[]} args */
function outpost(args) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
  return promisify(execFile)(process.execPath, [CLI, ...args], { cwd: tmpdir(), env });
}

/** @param {string[]} args @returns {Promise<string>} stderr */
async function outpostFails(args) {
  const failure = await outpost(args).then(
    () => null,
    (/** @type {{ stderr: string, code: number }} */ error) => error,
  );
  expect(failure?.code, args.join(" ")).toBe(1);
  return failure?.stderr ?? "";
}

describe("outpost d1 time-travel", () => {
  it("restore: both --bookmark and --timestamp, or neither, is wrangler's refusal", async () => {
    expect(await outpostFails(["d1", "time-travel", "restore", "notes", "--bookmark", BOOKMARK, "--timestamp", "1700000000"])).toBe(
      "outpost: Provide either a timestamp, or a bookmark - not both.\n",
    );
    expect(await outpostFails(["d1", "time-travel", "restore", "notes", "-y"])).toBe("outpost: Provide either a timestamp or a bookmark\n");
  });

  it("a timestamp that is not one, or is in the future, is refused by info and by restore", async () => {
    const invalid =
      "outpost: ERR_BAD_REQUEST: Invalid timestamp 'yesterday'. Please provide a valid Unix timestamp or ISO string, for example: 2023-07-13T08:46:42.228Z\n";
    expect(await outpostFails(["d1", "time-travel", "info", "notes", "--timestamp", "yesterday"])).toBe(invalid);
    expect(await outpostFails(["d1", "time-travel", "restore", "notes", "--timestamp=yesterday", "-y"])).toBe(invalid);
    const future = String(Math.floor(Date.now() / 1000) + 3600);
    expect(await outpostFails(["d1", "time-travel", "restore", "notes", "--timestamp", future, "--json"])).toBe(
      `outpost: ERR_BAD_REQUEST: Invalid timestamp '${future}'. Please provide a timestamp in the past\n`,
    );
  });

  it("restore: a bookmark not of the form info prints is refused, and nothing is restored", async () => {
    const failed = await outpost(["d1", "time-travel", "restore", "notes", "--bookmark", "latest", "-y"]).catch((/** @type {any} */ error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe(
      "🚧 Restoring database notes from bookmark latest\n⚠️ This will overwrite all data in database notes.\nIn-flight queries and transactions will be cancelled.\n⚡️ Time travel in progress...\n",
    );
    expect(failed.stderr).toBe(
      "outpost: ERR_BAD_REQUEST: Invalid bookmark 'latest'. A bookmark is 16 lowercase hex digits, a dash and 16 more, as `outpost d1 time-travel info` prints it.\n",
    );
  });

  it("a database that does not exist; info given a --bookmark; a verb or database missing", async () => {
    expect(await outpostFails(["d1", "time-travel", "restore", "nowhere", "--bookmark", BOOKMARK, "--json"])).toMatch(
      /^outpost: ERR_NOT_FOUND: No D1 database named nowhere\./,
    );
    expect(await outpostFails(["d1", "time-travel", "info", "nowhere"])).toMatch(/^outpost: ERR_NOT_FOUND: No D1 database named nowhere\./);
    expect(await outpostFails(["d1", "time-travel", "info", "notes", "--bookmark", BOOKMARK])).toBe(
      "outpost: outpost d1 time-travel info takes --timestamp, not --bookmark\n",
    );
    expect(await outpostFails(["d1", "time-travel", "undo", "notes"])).toMatch(/^outpost: usage: outpost d1 /);
    expect(await outpostFails(["d1", "time-travel", "info"])).toMatch(/^outpost: usage: outpost d1 /);
  });

  it("d1 --help shows the time-travel verbs", async () => {
    expect((await outpost(["d1", "--help"])).stdout).toContain(
      "outpost d1 time-travel info NAME [--timestamp T] [--json] | d1 time-travel restore NAME --bookmark B | --timestamp T [-y] [--json]",
    );
    expect((await outpost(["--help"])).stdout).toContain("outpost d1 time-travel info NAME [--timestamp T] | restore NAME --bookmark B | --timestamp T [-y]");
  });
});
