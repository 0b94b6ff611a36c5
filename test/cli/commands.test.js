// End to end: the control-plane commands a user types, against a real platform.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, workerFile } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "./temp-project.js";
import { runWithInput } from "./run-with-input.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string[]} */
const files = [];

beforeAll(async () => {
  platform = await startPlatform();
  for (const tag of ["one", "two"]) files.push(await workerFile(`export default { fetch() { return new Response("${tag}"); } };`));
});
afterAll(async () => {
  await removeTempProjects();
  await platform?.stop();
});

/** @param {string[]} args @param {string} [token] */
async function outpost(args, token = platform.token) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: token };
  return promisify(execFile)(process.execPath, ["cli/outpost.js", ...args], { cwd: ROOT, env });
}

/**
 * Runs the CLI with `input` piped to its stdin.
 * @param {string[]} args
 * @param {string} input
 * @returns {Promise<string>} stdout
 */
function outpostWithInput(args, input) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
  return runWithInput([process.execPath, "cli/outpost.js", ...args], { cwd: ROOT, env }, input);
}

/** @param {string[]} args */
async function outpostFails(args) {
  const failure = await outpost(args).then(
    () => null,
    (/** @type {{ stderr: string, code: number }} */ error) => error,
  );
  expect(failure?.code).toBe(1);
  return failure?.stderr ?? "";
}

describe("outpost commands", () => {
  it("versions, rollback and roll-forward by id prefix", async () => {
    await outpost(["deploy", files[0] ?? "", "--name", "cli-app", "--message", "first"]);
    await outpost(["deploy", files[1] ?? "", "--name", "cli-app", "--message", "second"]);
    const { stdout } = await outpost(["versions", "cli-app"]);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(lines.map((l) => [l[2] ?? "", l[3] ?? ""])).toEqual([
      ["", "first"],
      ["serving", "second"],
    ]);
    const [firstId, secondId] = lines.map((l) => l[0] ?? "");

    expect((await outpost(["rollback", "cli-app"])).stdout).toBe(`Rolled back: cli-app serves ${firstId?.slice(0, 12)}\n`);
    expect((await platform.fetchWorker("cli-app")).text).toBe("one");
    await outpost(["rollback", "cli-app", secondId?.slice(0, 8) ?? ""]);
    expect((await platform.fetchWorker("cli-app")).text).toBe("two");
  });

  it("rollout with a percentage, then promote", async () => {
    await outpost(["deploy", files[0] ?? "", "--name", "cli-canary"]);
    const { stdout } = await outpost(["deploy", files[1] ?? "", "--name", "cli-canary", "--percent", "100"]);
    expect(stdout).toMatch(/^Rolling out to 100 % of cli-canary \(version [0-9a-f]{12}\)/);
    expect((await platform.fetchWorker("cli-canary")).text).toBe("two");
    expect((await outpost(["rollout", "cli-canary", "promote"])).stdout).toMatch(/^cli-canary serves [0-9a-f]{12}\n$/);
    expect(await outpostFails(["rollout", "cli-canary", "abort"])).toBe("outpost: ERR_CONFLICT: Worker cli-canary has no rollout in progress.\n");
  });

  it("workers, routes and delete", async () => {
    await outpost(["deploy", files[0] ?? "", "--name", "cli-gone"]);
    expect((await outpost(["workers"])).stdout).toMatch(/^cli-gone\tdefault\t[0-9a-f]{12}$/m);
    expect((await outpost(["delete", "cli-gone"])).stdout).toBe("Deleted cli-gone (its KV namespaces keep their data)\n");
    expect((await platform.fetchWorker("cli-gone")).status).toBe(404);
    expect(await outpostFails(["delete", "cli-gone"])).toBe("outpost: ERR_NOT_FOUND: No worker named cli-gone.\n");
  });

  it("tokens: create a tenant token, use it, revoke it", async () => {
    const { stdout } = await outpost(["tokens", "create", "ci", "--tenant", "acme"]);
    const [id, tenant, token] = stdout.split("\n")[0]?.split("\t") ?? [];
    expect(tenant).toBe("acme");
    expect((await outpost(["tokens", "list"])).stdout).toContain(`${id}\tacme\tci\t`);
    await outpost(["deploy", files[0] ?? "", "--name", "acme-app"], token);
    expect((await outpost(["workers"], token)).stdout).toMatch(/^acme-app\tacme\t/);
    await outpost(["tokens", "revoke", id ?? ""]);
    const denied = await outpost(["workers"], token).catch((/** @type {{ stderr: string }} */ error) => error.stderr);
    expect(denied).toBe("outpost: ERR_UNAUTHORIZED: Invalid admin token.\n");
  });

  it("domains: add (for the default or a named tenant), list, remove", async () => {
    expect((await outpost(["domains", "add", "Docs.Example."])).stdout).toBe("docs.example belongs to tenant default\n");
    expect((await outpost(["domains", "add", "*.cli.example", "--tenant", "acme"])).stdout).toBe("*.cli.example belongs to tenant acme\n");
    expect((await outpost(["domains", "list"])).stdout).toMatch(/^\*\.cli\.example\tacme\t\S.*\ndocs\.example\tdefault\t\S.*\n$/);
    expect((await outpost(["domains", "remove", "*.cli.example"])).stdout).toBe("Removed *.cli.example\n");
    expect((await outpost(["domains", "remove", "docs.example"])).stdout).toBe("Removed docs.example\n");
    expect((await outpost(["domains"])).stdout).toBe("no domains registered\n");
    expect(await outpostFails(["domains", "remove", "docs.example"])).toBe("outpost: ERR_NOT_FOUND: No domain named docs.example.\n");
  });

  it("audit: the log shows who did what, newest first, filtered by tenant and limited", async () => {
    const { stdout } = await outpost(["tokens", "create", "auditor", "--tenant", "audited"]);
    const [id, , token] = stdout.split("\n")[0]?.split("\t") ?? [];
    await outpost(["deploy", files[0] ?? "", "--name", "audited-app"], token);
    const lines = (await outpost(["audit", "--tenant", "audited", "--limit", "1"])).stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(`^\\d+\\t\\S.*\\tauditor \\(${id}, tenant audited\\)\\t127\\.0\\.0\\.1\\tPUT /v1/workers/:name\\t/v1/workers/audited-app\\taudited\\t201$`),
    );
    expect(lines[1]).toMatch(/^\(older entries: outpost audit --before \d+ --tenant audited\)$/);
    const older = (await outpost(["audit", "--tenant", "audited", "--before", lines[0]?.split("\t")[0] ?? ""])).stdout;
    expect(older).toMatch(new RegExp(`\toperator\t127\\.0\\.0\\.1\tPOST /v1/tokens\t/v1/tokens/${id}\taudited\t201\n$`));
    expect(await outpost(["audit", "--limit", "x"]).catch((/** @type {{ stderr: string }} */ error) => error.stderr)).toBe(
      "outpost: --limit must be a whole number of at least 1, got x\n",
    );
  });

  it("deploy: a wrangler.toml project with routes and a service binding", async () => {
    await outpost(["domains", "add", "front.example"]);
    const auth = await tempProject({
      "wrangler.toml": 'name = "cli-auth"\nmain = "index.ts"\ncompatibility_date = "2026-04-01"\n',
      "index.ts": `import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint { async fetch() { return new Response("auth"); } async check(user: string) { return user === "ana"; } }`,
    });
    const app = await tempProject({
      "wrangler.toml": [
        'name = "cli-front"',
        'main = "src/index.ts"',
        'compatibility_date = "2026-04-01"',
        'routes = ["front.example/*", { pattern = "front.example/auth/*", zone_name = "front.example" }]',
        "[[services]]",
        'binding = "AUTH"',
        'service = "cli-auth"',
      ].join("\n"),
      "src/index.ts": `interface Env { AUTH: Fetcher & { check(user: string): Promise<boolean> } }
export default { async fetch(request: Request, env: Env) {
  const user = new URL(request.url).searchParams.get("user") ?? "";
  return new Response((await env.AUTH.check(user)) ? "welcome " + user : "go away");
} };`,
    });
    await outpost(["deploy", auth]);
    await outpost(["deploy", app]);
    expect((await httpRequest(platform.port, "front.example", "/?user=ana")).text).toBe("welcome ana");
    expect((await httpRequest(platform.port, "front.example", "/auth/x?user=bob")).text).toBe("go away");
    expect((await outpost(["routes"])).stdout).toBe("cli-front\tfront.example/*\ncli-front\tfront.example/auth/*\n");
  });

  it("secrets: put from stdin, list names, rotate the key; vault put and deploy --vault", async () => {
    const reader = await workerFile(`export default { async fetch(r, env) {
      return Response.json({ token: env.TOKEN ?? null, fromVault: await env.VAULT.get("shared") }); } };`);
    await outpost(["deploy", reader, "--name", "cli-secrets", "--vault", "VAULT"]);
    expect(await outpostWithInput(["secret", "put", "cli-secrets", "TOKEN"], "t0ps3cret\n")).toBe(
      "Secret TOKEN set on cli-secrets; its next request sees it\n",
    );
    expect(await outpostWithInput(["vault", "put", "shared"], "from-the-vault")).toBe("Vault secret shared set\n");
    expect(JSON.parse((await platform.fetchWorker("cli-secrets")).text)).toEqual({ token: "t0ps3cret", fromVault: "from-the-vault" });
    const listed = (await outpost(["secret", "list", "cli-secrets"])).stdout;
    expect(listed).toMatch(/^TOKEN\t/);
    expect(listed).not.toContain("t0ps3cret");
    expect((await outpost(["vault", "list"])).stdout).toMatch(/^shared\t/);
    expect((await outpost(["secrets", "rotate-key"])).stdout).toMatch(/^Secrets re-encrypted under data key version \d+ \(\d+ values\)\n$/);
    expect(JSON.parse((await platform.fetchWorker("cli-secrets")).text)).toEqual({ token: "t0ps3cret", fromVault: "from-the-vault" });
    expect((await outpost(["secret", "delete", "cli-secrets", "TOKEN"])).stdout).toBe("Secret TOKEN deleted from cli-secrets\n");
    expect(JSON.parse((await platform.fetchWorker("cli-secrets")).text).token).toBe(null);
  });

  it("bad arguments get usage errors", async () => {
    expect(await outpostFails(["rollback"])).toBe("outpost: usage: outpost rollback NAME [VERSION]\n");
    expect(await outpostFails(["rollout", "x", "abc", "200"])).toBe("outpost: a percentage is a whole number from 0 to 100, got 200\n");
  });
});
