// The control-plane commands: each a thin call to the admin API (docs/admin-api.md).
import { callAdmin } from "./admin-client.js";
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { readSecretValue } from "./secret-input.js";
import { findWranglerConfig, loadWranglerConfig } from "./wrangler-config.js";

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
  for (const w of workers) {
    const suspended = w.suspended
      ? `SUSPENDED since ${w.suspended.at} (${w.suspended.incidents} incidents): ${w.suspended.reason}`
      : w.probation
        ? `on probation until ${w.probation.until} (its requests run apart, one at a time)`
        : "";
    console.log(
      [w.name, w.tenant, w.version.slice(0, 12), w.rollout ? `rollout ${w.rollout.percent}%` : "", w.routes.join(" "), suspended].join("\t").trimEnd(),
    );
  }
}

/** @param {string} name */
export async function resume(name) {
  console.log(`Resumed: ${describe(await callAdmin("POST", `${path(name)}/resume`))}`);
}

/** @param {string} name */
export async function versions(name) {
  const { versions } = await callAdmin("GET", `${path(name)}/versions`);
  for (const v of versions) {
    const state = v.serving ? "serving" : v.rolloutPercent !== null ? `rollout ${v.rolloutPercent}%` : "";
    console.log([v.id, v.created_at, state, v.message ?? ""].join("\t").trimEnd());
  }
}

/** @param {string} name */
export async function crons(name) {
  const { runs } = await callAdmin("GET", `${path(name)}/scheduled`);
  if (runs.length === 0) console.log(`no cron runs of ${name} in the last week`);
  for (const run of runs) {
    const attempts = `${run.attempts} ${run.attempts === 1 ? "attempt" : "attempts"}`;
    console.log([new Date(run.scheduledTime).toISOString(), run.cron, run.outcome ?? "unfinished", attempts].join("\t"));
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
 * @param {string[]} args add DOMAIN | list | remove DOMAIN
 * @param {string | undefined} tenant for add: the tenant to own it (operators)
 */
export async function domains([action, domain], tenant) {
  if (action === "add" && domain) {
    const row = await callAdmin("PUT", `/v1/domains/${encodeURIComponent(domain)}`, tenant ? { tenant } : {});
    console.log(`${row.domain} belongs to tenant ${row.tenant}`);
  } else if (action === "list" || action === undefined) {
    const { domains } = await callAdmin("GET", "/v1/domains");
    if (domains.length === 0) console.log("no domains registered");
    for (const d of domains) console.log(`${d.domain}\t${d.tenant}\t${d.created_at}`);
  } else if (action === "remove" && domain) {
    await callAdmin("DELETE", `/v1/domains/${encodeURIComponent(domain)}`);
    console.log(`Removed ${domain}`);
  } else {
    throw new Error("usage: outpost domains add DOMAIN [--tenant ID] | domains list | domains remove DOMAIN");
  }
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
 * `secret put|list|delete WORKER [NAME]`, or as wrangler `secret put|delete NAME` and `secret list`
 * (the worker from `--name WORKER` or the project's config, `--env` merged): a worker's secret bindings.
 * @param {string[]} args
 * @param {string | undefined} workerFlag
 * @param {string | undefined} env
 */
export async function secret([action, ...args], workerFlag, env) {
  // wrangler's shape names only the secret (`secret put API_KEY`, `secret list`), the worker coming
  // from --name or the project's config; Outpost's own names the worker first.
  const wranglerShape = args.length === (action === "list" ? 0 : 1) || workerFlag !== undefined;
  const [worker, name] = wranglerShape ? [workerFlag ?? projectName(env), args[0]] : args;
  if (!worker) throw new Error("usage: outpost secret put|list|delete WORKER [NAME]");
  const base = `${path(worker)}/secrets`;
  if (action === "put" && name) {
    const value = await readSecretValue(`Enter the value of ${name} for ${worker}: `);
    await callAdmin("PUT", `${base}/${encodeURIComponent(name)}`, { value });
    console.log(`Secret ${name} set on ${worker}; its next request sees it`);
  } else if (action === "list") {
    const { secrets } = await callAdmin("GET", base);
    for (const s of secrets) console.log(`${s.name}\t${s.updated_at}`);
  } else if (action === "delete" && name) {
    await callAdmin("DELETE", `${base}/${encodeURIComponent(name)}`);
    console.log(`Secret ${name} deleted from ${worker}`);
  } else {
    throw new Error("usage: outpost secret put|list|delete WORKER [NAME]");
  }
}

/**
 * `secret bulk [FILE] [--name WORKER]`: a JSON object of name → value, or a .env file of
 * NAME=value lines, as wrangler's `secret bulk` takes them (from stdin without FILE); the worker
 * defaults to the project config's name.
 * @param {string | undefined} file
 * @param {string | undefined} worker
 * @param {string | undefined} env
 */
export async function secretBulk(file, worker, env) {
  const name = worker ?? projectName(env);
  const text = readFileSync(file ?? 0, "utf8");
  const where = file ?? "stdin";
  const values = secretsIn(text, where);
  const { count } = await callAdmin("PUT", `${path(name)}/secrets`, { secrets: values });
  console.log(`${count} secrets successfully uploaded to ${name}`);
}

/** @param {string} text @param {string} where */
function secretsIn(text, where) {
  /** @type {unknown} */
  let values;
  try {
    values = JSON.parse(text);
  } catch {
    const lines = parseEnv(text);
    if (Object.keys(lines).length === 0)
      throw new Error(`${where} is neither JSON nor a .env file; secret bulk takes {"NAME": "value", …} or NAME=value lines`);
    return lines;
  }
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new Error(`${where} must hold a JSON object of name → value, e.g. {"API_KEY": "…"}`);
  }
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== "string") throw new Error(`The value of ${key} in ${where} is not a string; secret values are strings`);
  }
  return /** @type {Record<string, string>} */ (values);
}

/** @param {string | undefined} [env] */
function projectName(env) {
  const file = findWranglerConfig(process.cwd());
  const name = file === undefined ? undefined : loadWranglerConfig(file, env).name;
  if (!name) throw new Error("name the worker: --name WORKER (or run from a project whose wrangler.toml has a name)");
  return name;
}

/**
 * `vault put|list|delete [NAME]`: the tenant vault (`--tenant` for operators).
 * @param {string[]} args
 * @param {string | undefined} tenant
 */
export async function vault([action, name], tenant) {
  const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : "";
  if (action === "put" && name) {
    const value = await readSecretValue(`Enter the value of vault secret ${name}: `);
    await callAdmin("PUT", `/v1/vault/${encodeURIComponent(name)}${query}`, { value });
    console.log(`Vault secret ${name} set`);
  } else if (action === "list") {
    const { secrets } = await callAdmin("GET", `/v1/vault${query}`);
    for (const s of secrets) console.log(`${s.name}\t${s.updated_at}`);
  } else if (action === "delete" && name) {
    await callAdmin("DELETE", `/v1/vault/${encodeURIComponent(name)}${query}`);
    console.log(`Vault secret ${name} deleted`);
  } else {
    throw new Error("usage: outpost vault put|list|delete [NAME] [--tenant ID]");
  }
}

/**
 * `audit [--tenant ID] [--limit N] [--before ID]`: the admin API's audit log, newest first.
 * @param {{ tenant?: string | undefined, limit?: number | undefined, before?: string | undefined }} options
 */
export async function audit({ tenant, limit, before }) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ tenant, limit, before })) if (value !== undefined) query.set(key, String(value));
  const { entries, next } = await callAdmin("GET", `/v1/audit${query.size > 0 ? `?${query}` : ""}`);
  if (entries.length === 0) console.log("no audit entries");
  for (const e of entries) {
    const actor = e.actor.token ? `${e.actor.name} (${e.actor.token}${e.actor.tenant ? `, tenant ${e.actor.tenant}` : ""})` : e.actor.name;
    console.log([e.id, e.at, actor, e.client, e.action, e.target, e.tenant ?? "-", e.status].join("\t"));
  }
  if (next) console.log(`(older entries: outpost audit --before ${next}${tenant ? ` --tenant ${tenant}` : ""})`);
}

export async function rotateKey() {
  const { version, reencrypted } = await callAdmin("POST", "/v1/secrets/rotate-key");
  console.log(`Secrets re-encrypted under data key version ${version} (${reencrypted} values)`);
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
