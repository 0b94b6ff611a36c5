// The control-plane commands: each a thin call to the admin API (README, "Admin API").
import { callAdmin } from "./admin-client.js";

/** @param {string} name */
const path = (name) => `/v1/workers/${encodeURIComponent(name)}`;

/** @param {any} worker */
function describe(worker) {
  const rollout = worker.rollout ? `, ${worker.rollout.percent} % to ${worker.rollout.version.slice(0, 12)}` : "";
  return `${worker.name} serves ${worker.version.slice(0, 12)}${rollout}`;
}

export async function workers() {
  const { workers } = await callAdmin("GET", "/v1/workers");
  if (workers.length === 0) console.log("no workers deployed");
  for (const w of workers) console.log([w.name, w.tenant, w.version.slice(0, 12), w.rollout ? `rollout ${w.rollout.percent}%` : "", w.routes.join(" ")].join("\t").trimEnd());
}

/** @param {string} name */
export async function versions(name) {
  const { versions } = await callAdmin("GET", `${path(name)}/versions`);
  for (const v of versions) {
    const state = v.serving ? "serving" : v.rolloutPercent !== null ? `rollout ${v.rolloutPercent}%` : "";
    console.log([v.id, v.created_at, state, v.message ?? ""].join("\t").trimEnd());
  }
}

/** @param {string} name @param {string | undefined} version */
export async function rollback(name, version) {
  console.log(`Rolled back: ${describe(await callAdmin("POST", `${path(name)}/rollback`, version ? { version: await fullId(name, version) } : {}))}`);
}

/** @param {string} name @param {string} version @param {number} percent */
export async function rollout(name, version, percent) {
  console.log(describe(await callAdmin("POST", `${path(name)}/rollout`, { version: await fullId(name, version), percent })));
}

/** @param {string} name @param {"promote" | "abort"} outcome */
export async function endRollout(name, outcome) {
  console.log(describe(await callAdmin("POST", `${path(name)}/rollout/${outcome}`)));
}

/** @param {string} name */
export async function deleteWorker(name) {
  await callAdmin("DELETE", path(name));
  console.log(`Deleted ${name} (its KV namespaces keep their data)`);
}

export async function routes() {
  const { routes } = await callAdmin("GET", "/v1/routes");
  for (const r of routes) console.log(`${r.worker}\t${r.pattern}`);
}

/**
 * @param {string[]} args create NAME | list | revoke ID
 * @param {string | undefined} tenant for create: the tenant a token is scoped to (none: operator)
 */
export async function tokens([action, value], tenant) {
  if (action === "create" && value) {
    const token = await callAdmin("POST", "/v1/tokens", { name: value, ...(tenant ? { tenant } : {}) });
    console.log(`${token.id}\t${token.tenant ?? "operator"}\t${token.token}\n(the token is shown only now)`);
  } else if (action === "list" || action === undefined) {
    const { tokens } = await callAdmin("GET", "/v1/tokens");
    for (const t of tokens) console.log(`${t.id}\t${t.tenant ?? "operator"}\t${t.name}\t${t.created_at}`);
  } else if (action === "revoke" && value) {
    await callAdmin("DELETE", `/v1/tokens/${encodeURIComponent(value)}`);
    console.log(`Revoked ${value}`);
  } else {
    throw new Error("usage: outpost tokens create NAME [--tenant ID] | tokens list | tokens revoke ID");
  }
}

/**
 * Versions may be given by a unique prefix of their id, as `outpost versions` prints them short.
 * @param {string} name
 * @param {string} prefix
 */
async function fullId(name, prefix) {
  if (/^[0-9a-f]{64}$/.test(prefix)) return prefix;
  const { versions } = await callAdmin("GET", `${path(name)}/versions`);
  const matches = versions.filter((/** @type {{ id: string }} */ v) => v.id.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`${matches.length === 0 ? "no" : "more than one"} version of ${name} starts with ${prefix}`);
  return matches[0].id;
}
