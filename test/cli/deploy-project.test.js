// End to end: `outpost deploy <dir>` reads the project's wrangler.toml, bundles its TypeScript
// with text, data, wasm and JSON modules, deploys to a real platform, and the worker runs.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.stop());

it("deploy: a TypeScript project with text, data, wasm and JSON modules, a KV binding and vars", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["cli/outpost.js", "deploy", "test/fixtures/ts-project"], {
    cwd: ROOT,
    env: { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token },
  });
  expect(stdout).toMatch(/^Deployed ts-project \(version [0-9a-f]{12}\)/);

  const root = await platform.fetchWorker("ts-project", "/");
  expect(root.status).toBe(200);
  expect(JSON.parse(root.text)).toEqual({
    greeting: "Hello, JSON!",
    text: "Hello from a text module",
    bytes: [0, 1, 2, 254, 255],
    sum: 5,
    limits: { max: 3 },
  });
  expect(JSON.parse((await platform.fetchWorker("ts-project", "/kv")).text)).toEqual({ visits: "1" });
  expect(JSON.parse((await platform.fetchWorker("ts-project", "/kv")).text)).toEqual({ visits: "2" });
});
