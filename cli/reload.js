// `outpost reload`: SIGHUP to the running `outpost start` of a data directory, which replaces its
// workerd processes one at a time (cli/start.js).
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** @param {string} dataDir */
export async function reload(dataDir) {
  const pidFile = join(resolve(dataDir), "outpost.pid");
  const text = await readFile(pidFile, "utf8").catch(() => null);
  const pid = Number(text);
  if (!text || !Number.isInteger(pid) || pid <= 0) throw new Error(`ERR_NOT_RUNNING: no outpost start is running for ${dataDir} (no ${pidFile})`);
  try {
    process.kill(pid, "SIGHUP");
  } catch {
    throw new Error(`ERR_NOT_RUNNING: the outpost start recorded in ${pidFile} (pid ${pid}) is not running`);
  }
  return `reloading: the workerd processes of ${dataDir} are replaced one at a time (see its log)`;
}
