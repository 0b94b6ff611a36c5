// Throwaway project directories for the CLI tests.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** @type {string[]} */
const made = [];

/**
 * Writes `files` (relative path → content) into a new temporary directory and returns its path.
 * @param {Record<string, string | Uint8Array>} files
 */
export async function tempProject(files) {
  const dir = await mkdtemp(join(tmpdir(), "outpost-cli-"));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** Removes every directory tempProject made. */
export async function removeTempProjects() {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A worker entry that bundles: what a project needs when the test is about something else. */
export const HELLO = `export default { fetch() { return new Response("hello"); } };\n`;
