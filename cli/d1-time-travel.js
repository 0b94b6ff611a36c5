// `outpost d1 time-travel info DB [--timestamp T]` and `d1 time-travel restore DB (--bookmark B |
// --timestamp T)`: wrangler's Time Travel verbs, with its output lines, on the admin API's
// time-travel routes. A timestamp is resolved to its bookmark before a restore, as wrangler does,
// so the confirmation names the exact point the database goes back to.
import { createInterface } from "node:readline/promises";
import { callAdmin } from "./admin-client.js";

/**
 * @typedef {object} TimeTravelOptions
 * @property {string} [tenant]
 * @property {string} [bookmark]
 * @property {string} [timestamp]
 * @property {boolean} json
 * @property {boolean} yes
 */

/** @param {string} name @param {"bookmark" | "restore"} route @param {Record<string, string | undefined>} query */
function timeTravelPath(name, route, query) {
  const search = new URLSearchParams(Object.entries(query).filter(/** @returns {entry is [string, string]} */ (entry) => entry[1] !== undefined));
  return `/v1/d1/databases/${encodeURIComponent(name)}/time-travel/${route}${search.size > 0 ? `?${search}` : ""}`;
}

/** @param {string} name @param {TimeTravelOptions} options @returns {Promise<{bookmark: string, at: string}>} */
const bookmarkAt = (name, { timestamp, tenant }) => callAdmin("GET", timeTravelPath(name, "bookmark", { timestamp, tenant }));

/** The bookmark of the database now, or at --timestamp, and the command that restores to it. @param {string} name @param {TimeTravelOptions} options */
export async function timeTravelInfo(name, options) {
  if (options.bookmark !== undefined) throw new Error("outpost d1 time-travel info takes --timestamp, not --bookmark");
  const point = await bookmarkAt(name, options);
  if (options.json) return console.log(JSON.stringify(point, null, 2));
  console.log("🚧 Time Traveling...");
  console.log(
    options.timestamp === undefined
      ? `⚠️ The current bookmark is '${point.bookmark}'`
      : `⚠️ Timestamp '${options.timestamp}' corresponds with bookmark '${point.bookmark}'`,
  );
  const tenant = options.tenant === undefined ? "" : ` --tenant ${options.tenant}`;
  console.log(`⚡️ To restore to this specific bookmark, run:\n \`outpost d1 time-travel restore ${name} --bookmark=${point.bookmark}${tenant}\``);
}

/**
 * Restores the database, after a confirmation on a terminal (not with -y or --json; wrangler
 * goes ahead when no one is there to ask, and so does this).
 * @param {string} name @param {TimeTravelOptions} options
 */
export async function timeTravelRestore(name, options) {
  if (options.bookmark !== undefined && options.timestamp !== undefined) throw new Error("Provide either a timestamp, or a bookmark - not both.");
  if (options.bookmark === undefined && options.timestamp === undefined) throw new Error("Provide either a timestamp or a bookmark");
  const bookmark = options.bookmark ?? (await bookmarkAt(name, options)).bookmark;
  if (!options.json) {
    console.log(`🚧 Restoring database ${name} from bookmark ${bookmark}`);
    console.log(`⚠️ This will overwrite all data in database ${name}.\nIn-flight queries and transactions will be cancelled.`);
    if (!options.yes && process.stdin.isTTY) {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question("OK to proceed (y/N) ");
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) return console.log(`Not restoring ${name}.`);
    }
    console.log("⚡️ Time travel in progress...");
  }
  const restored = await callAdmin("POST", timeTravelPath(name, "restore", { bookmark, tenant: options.tenant }));
  if (options.json) return console.log(JSON.stringify(restored, null, 2));
  console.log(`✅ Database ${name} restored back to bookmark ${restored.bookmark}`);
  console.log(`↩️ To undo this operation, you can restore to the previous bookmark: ${restored.previous_bookmark}`);
}
