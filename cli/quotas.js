// `outpost usage` and `outpost quota set`: a tenant's usage and quotas (docs/operations.md, "Quotas").
import { callAdmin } from "./admin-client.js";

const UNITS = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };
const USAGE = "usage: outpost quota set TENANT RESOURCE=VALUE... (VALUE: a whole number, optionally with KiB, MiB, GiB or TiB, or default)";

/**
 * `kv_bytes=2GiB workers=default` → `{ kv_bytes: 2147483648, workers: null }` (null: back to the default).
 * The API checks the resource names and ranges.
 * @param {string[]} assignments
 * @returns {Record<string, number | null>}
 */
export function parseQuotaAssignments(assignments) {
  if (assignments.length === 0) throw new Error(USAGE);
  /** @type {Record<string, number | null>} */
  const quotas = {};
  for (const assignment of assignments) {
    const match = /^(\w+)=(?:(default)|(\d+)(KiB|MiB|GiB|TiB)?)$/.exec(assignment);
    if (!match) throw new Error(`${assignment}: expected RESOURCE=VALUE\n${USAGE}`);
    const [, resource = "", fallback, digits = "", unit] = match;
    const value = Number(digits) * (unit ? UNITS[/** @type {keyof typeof UNITS} */ (unit)] : 1);
    if (!fallback && !Number.isSafeInteger(value)) throw new Error(`${assignment}: the value is too large`);
    quotas[resource] = fallback ? null : value;
  }
  return quotas;
}

/**
 * The usage as a table: resource, used, quota ("(set)" marks an operator's override).
 * @param {{ resource: string, unit: string, used: number, quota: number | null, overridden: boolean }[]} rows
 */
export function usageTable(rows) {
  const lines = [["RESOURCE", "USED", "QUOTA", ""]];
  for (const row of rows)
    lines.push([row.resource, String(row.used), row.quota === null ? "none" : String(row.quota), `${row.unit}${row.overridden ? " (set)" : ""}`]);
  const widths = [0, 1, 2].map((column) => Math.max(...lines.map((line) => (line[column] ?? "").length)));
  return lines
    .map((line) =>
      line
        .map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** @param {string | undefined} tenant none: the token's own tenant (an operator's: default) */
export async function usage(tenant) {
  const body = await callAdmin("GET", `/v1/usage${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ""}`);
  console.log(`tenant ${body.tenant}\n${usageTable(body.usage)}`);
}

/** @param {string[]} args set TENANT RESOURCE=VALUE... */
export async function quota([action, tenant, ...assignments]) {
  if (action !== "set" || !tenant) throw new Error(USAGE);
  const body = await callAdmin("PATCH", `/v1/tenants/${encodeURIComponent(tenant)}/quotas`, parseQuotaAssignments(assignments));
  console.log(`tenant ${body.tenant}\n${usageTable(body.usage)}`);
}
