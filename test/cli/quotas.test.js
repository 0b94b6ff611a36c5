// `outpost usage` and `outpost quota set`: the pure parts, then the commands against a real platform.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { parseQuotaAssignments, usageTable } from "../../cli/quotas.js";
import { QUOTA_DEFAULTS } from "../../cli/quota-defaults.js";
import { QUOTA_NAMES } from "../../runner/quota/resources.ts";

describe("outpost quota set", () => {
  it("parseQuotaAssignments: whole numbers, binary units and default", () => {
    expect(parseQuotaAssignments(["kv_bytes=2GiB", "workers=200", "tokens=default", "r2_bytes=512KiB"])).toEqual({
      kv_bytes: 2 * 1024 ** 3,
      workers: 200,
      tokens: null,
      r2_bytes: 512 * 1024,
    });
  });

  it("parseQuotaAssignments: anything else is refused with the usage", () => {
    for (const bad of [["kv_bytes"], ["kv_bytes=-1"], ["kv_bytes=1.5"], ["kv_bytes=1GB"], ["=5"], ["kv_bytes=99999999999TiB"]]) {
      expect(() => parseQuotaAssignments(bad)).toThrow(/usage: outpost quota set|too large/);
    }
    expect(() => parseQuotaAssignments([])).toThrow(/^usage: outpost quota set TENANT RESOURCE=VALUE/);
  });
});

describe("outpost usage", () => {
  it("usageTable: aligned columns, overrides marked, no limit shown as none", () => {
    const table = usageTable([
      { resource: "kv_bytes", unit: "bytes", used: 1200, quota: 3000, overridden: true },
      { resource: "workers", unit: "workers", used: 2, quota: null, overridden: false },
    ]);
    expect(table).toBe(["RESOURCE  USED  QUOTA", "kv_bytes  1200  3000   bytes (set)", "workers   2     none   workers"].join("\n"));
  });
});

it("defaults: the table in code has a default for every quota the runner knows, and no other", () => {
  expect(Object.keys(QUOTA_DEFAULTS).sort()).toEqual([...QUOTA_NAMES].sort());
});

describe("end to end", () => {
  const ROOT = fileURLToPath(new URL("../..", import.meta.url));
  /** @type {import("../helpers/platform.js").Platform} */
  let platform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform?.stop());

  /** @param {string[]} args @param {string} [token] */
  const outpost = async (args, token = platform.token) => {
    const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: token };
    return (await promisify(execFile)(process.execPath, ["cli/outpost.js", ...args], { cwd: ROOT, env })).stdout;
  };

  it("quota set, then usage: the operator's value shows, marked as set; a tenant token sees its own only", async () => {
    const set = await outpost(["quota", "set", "acme", "kv_bytes=2MiB", "workers=5"]);
    expect(set).toMatch(/^tenant acme\nRESOURCE +USED +QUOTA\n/);
    expect(set).toMatch(/\nkv_bytes +0 +2097152 +bytes \(set\)\n/);
    const { token } = (await platform.admin("POST", "/v1/tokens", { name: "acme", tenant: "acme" })).body;
    const own = await outpost(["usage"], token);
    expect(own).toMatch(/\nworkers +0 +5 +workers \(set\)\n/);
    expect(own).toMatch(/\ntokens +1 +100 +tokens\n/);
    await expect(outpost(["usage", "--tenant", "default"], token)).rejects.toThrow(/cannot act for tenant default/);
    await expect(outpost(["quota", "set", "acme", "kv_bytes=9GiB"], token)).rejects.toThrow(/This needs an operator token/);
  });
});
