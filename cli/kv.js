// `outpost kv namespace|key|bulk …`: wrangler's KV verbs, each a call to the admin API's KV
// routes (docs/admin-api.md). A namespace is chosen as wrangler chooses it: `--binding NAME` from
// the project's config in the current directory, or `--namespace-id ID` (in Outpost a
// namespace's id is its name).
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { adminFetch, callAdmin } from "./admin-client.js";
import { findWranglerConfig, loadWranglerConfig } from "./wrangler-config.js";
import { progressOn } from "./progress.js";

/** The admin API's limits of one bulk request (runner/kv/admin.ts), with room for the JSON around the items. */
const BULK = { keys: 10_000, bytes: 36 * 1024 * 1024 };

/**
 * @typedef {object} KvOptions
 * @property {string} [binding]
 * @property {string} [namespaceId]
 * @property {string} [config]       the wrangler config to read `--binding` from
 * @property {string} [tenant]
 * @property {string} [path]         `key put`: read the value from this file
 * @property {number} [ttl]
 * @property {number} [expiration]
 * @property {string} [metadata]     JSON
 * @property {string} [prefix]
 * @property {boolean} [text]
 * @property {boolean} [force]
 */

/**
 * `outpost kv …` with wrangler's flag names.
 * @param {string[]} args
 */
export async function kvCommand(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      binding: { type: "string" },
      "namespace-id": { type: "string" },
      config: { type: "string", short: "c" },
      tenant: { type: "string" },
      path: { type: "string" },
      ttl: { type: "string" },
      expiration: { type: "string" },
      metadata: { type: "string" },
      prefix: { type: "string" },
      text: { type: "boolean" },
      force: { type: "boolean", short: "f" },
      "skip-confirmation": { type: "boolean", short: "y" },
    },
  });
  const { "namespace-id": namespaceId, ttl, expiration, force, "skip-confirmation": skip, ...options } = values;
  await kv(positionals, {
    ...options,
    ...(namespaceId === undefined ? {} : { namespaceId }),
    ...(ttl === undefined ? {} : { ttl: seconds(ttl, "--ttl") }),
    ...(expiration === undefined ? {} : { expiration: seconds(expiration, "--expiration") }),
    force: Boolean(force || skip),
  });
}

/** @param {string} value @param {string} flag */
function seconds(value, flag) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`${flag} must be a whole number of seconds, got ${value}`);
  return number;
}

/**
 * @param {string[]} args
 * @param {KvOptions} options
 */
export async function kv([group, action, ...rest], options) {
  const verb = `${group} ${action}`;
  if (verb === "namespace list") return listNamespaces(options);
  if (verb === "namespace create" && rest[0]) return createNamespace(rest[0], options);
  if (verb === "namespace delete") return deleteNamespace(rest[0] ?? namespaceOf(options), options);
  if (verb === "key put" && rest[0]) return putKey(rest[0], rest[1], options);
  if (verb === "key get" && rest[0]) return getKey(rest[0], options);
  if (verb === "key list") return listKeys(options);
  if (verb === "key delete" && rest[0]) return deleteKey(rest[0], options);
  if (verb === "bulk put" && rest[0]) return bulkPut(rest[0], options);
  if (verb === "bulk delete" && rest[0]) return bulkDelete(rest[0], options);
  throw new Error(
    "usage: outpost kv namespace list|create NAME|delete [NAME] | kv key put KEY [VALUE]|get KEY|list|delete KEY | kv bulk put|delete FILE.json\n" +
      "       (the namespace: --binding NAME from ./wrangler.toml, or --namespace-id ID; see outpost --help)",
  );
}

/**
 * The namespace `--binding` or `--namespace-id` names.
 * @param {KvOptions} options
 */
export function namespaceOf({ binding, namespaceId, config }) {
  if (binding !== undefined && namespaceId !== undefined) throw new Error("give --binding or --namespace-id, not both");
  if (namespaceId !== undefined) return namespaceId;
  if (binding === undefined) throw new Error("name the namespace: --binding NAME (a kv_namespaces binding of ./wrangler.toml) or --namespace-id ID");
  const file = config ?? findWranglerConfig(process.cwd());
  if (!file)
    throw new Error(
      `--binding ${binding} is read from the project's wrangler.toml (or .json/.jsonc), and ${process.cwd()} has none; cd to the project or give --namespace-id`,
    );
  const namespace = loadWranglerConfig(file).kv[binding];
  if (namespace === undefined) throw new Error(`${file} has no kv_namespaces binding named ${binding}; add one, or give --namespace-id`);
  return namespace;
}

/** @param {KvOptions} options */
const tenantQuery = ({ tenant }) => (tenant ? `tenant=${encodeURIComponent(tenant)}` : "");
/** @param {string} namespace @param {KvOptions} options @param {string} [rest] */
function namespacePath(namespace, options, rest = "") {
  const query = tenantQuery(options);
  return `/v1/kv/namespaces/${encodeURIComponent(namespace)}${rest}${query ? `?${query}` : ""}`;
}
/** @param {string} key */
const valuePath = (key) => `/values/${encodeURIComponent(key)}`;

/** @param {KvOptions} options */
async function listNamespaces(options) {
  const query = tenantQuery(options);
  const { namespaces } = await callAdmin("GET", `/v1/kv/namespaces${query ? `?${query}` : ""}`);
  // wrangler prints Cloudflare's records; here the id is the name.
  const records = namespaces.map((/** @type {any} */ n) => ({ id: n.name, title: n.name, tenant: n.tenant }));
  console.log(JSON.stringify(records, null, 2));
}

/** @param {string} name @param {KvOptions} options */
async function createNamespace(name, options) {
  const query = tenantQuery(options);
  await callAdmin("POST", `/v1/kv/namespaces${query ? `?${query}` : ""}`, { name });
  const binding = options.binding ?? name.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=\d)/, "_");
  console.log(`Created KV namespace "${name}". To use it from a worker, add to wrangler.toml:\n\n[[kv_namespaces]]\nbinding = "${binding}"\nid = "${name}"`);
}

/** @param {string} namespace @param {KvOptions} options */
async function deleteNamespace(namespace, options) {
  await callAdmin("DELETE", namespacePath(namespace, options));
  console.log(`Deleted KV namespace ${namespace}.`);
}

/** @param {string} key @param {string | undefined} value @param {KvOptions} options */
async function putKey(key, value, options) {
  if ((value === undefined) === (options.path === undefined)) throw new Error("give the value, or --path FILE to read it from a file (not both)");
  const namespace = namespaceOf(options);
  const query = new URLSearchParams(tenantQuery(options));
  if (options.ttl !== undefined) query.set("expiration_ttl", String(options.ttl));
  if (options.expiration !== undefined) query.set("expiration", String(options.expiration));
  if (options.metadata !== undefined) query.set("metadata", jsonText(options.metadata, "--metadata"));
  const body = options.path === undefined ? /** @type {string} */ (value) : readFileSync(options.path);
  await adminFetch("PUT", `/v1/kv/namespaces/${encodeURIComponent(namespace)}${valuePath(key)}${query.size > 0 ? `?${query}` : ""}`, {
    headers: { "content-type": "application/octet-stream" },
    body,
  });
  const shown = options.path === undefined ? `the value "${value}"` : `the contents of ${options.path}`;
  console.log(`Writing ${shown} to key "${key}" on namespace ${namespace}${options.metadata === undefined ? "" : ` with metadata "${options.metadata}"`}.`);
}

/** @param {string} key @param {KvOptions} options */
async function getKey(key, options) {
  const namespace = namespaceOf(options);
  let response;
  try {
    response = await adminFetch("GET", namespacePath(namespace, options, valuePath(key)));
  } catch (error) {
    // wrangler's answer for a missing key.
    if (/^ERR_NOT_FOUND: Value not found/.test(/** @type {Error} */ (error).message)) return console.log("Value not found");
    throw error;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (options.text) console.log(new TextDecoder().decode(bytes));
  else process.stdout.write(bytes);
}

/** Every key (following cursors), as a JSON array, as wrangler prints it. @param {KvOptions} options */
async function listKeys(options) {
  const namespace = namespaceOf(options);
  const keys = [];
  let cursor;
  do {
    const query = new URLSearchParams(tenantQuery(options));
    if (options.prefix !== undefined) query.set("prefix", options.prefix);
    if (cursor) query.set("cursor", cursor);
    const page = await callAdmin("GET", `/v1/kv/namespaces/${encodeURIComponent(namespace)}/keys${query.size > 0 ? `?${query}` : ""}`);
    keys.push(...page.keys);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  console.log(JSON.stringify(keys, null, 2));
}

/** @param {string} key @param {KvOptions} options */
async function deleteKey(key, options) {
  const namespace = namespaceOf(options);
  await callAdmin("DELETE", namespacePath(namespace, options, valuePath(key)));
  console.log(`Deleting the key "${key}" on namespace ${namespace}.`);
}

/**
 * A file of `[{ key, value, expiration?, expiration_ttl?, metadata?, base64? }]`, as wrangler takes it.
 * --ttl, --expiration and --metadata apply to pairs that do not set their own.
 * @param {string} file @param {KvOptions} options
 */
async function bulkPut(file, options) {
  const namespace = namespaceOf(options);
  const pairs = readJsonFile(file);
  if (!Array.isArray(pairs)) throw new Error(`Unexpected JSON input from "${file}". Expected an array of key-value objects but got type "${typeof pairs}".`);
  const defaults = {
    ...(options.ttl === undefined ? {} : { expiration_ttl: options.ttl }),
    ...(options.expiration === undefined ? {} : { expiration: options.expiration }),
    ...(options.metadata === undefined ? {} : { metadata: JSON.parse(jsonText(options.metadata, "--metadata")) }),
  };
  await inBatches(pairs, "written", (batch) =>
    callAdmin(
      "PUT",
      namespacePath(namespace, options, "/bulk"),
      batch.map((pair) => ({ ...defaults, ...pair })),
    ),
  );
  console.log("Success!");
}

/** A file of key names (or `{ name }` objects), as wrangler takes it. @param {string} file @param {KvOptions} options */
async function bulkDelete(file, options) {
  const namespace = namespaceOf(options);
  const items = readJsonFile(file);
  if (!Array.isArray(items)) throw new Error(`Unexpected JSON input from "${file}". Expected an array of strings or objects with a "name" key.`);
  const keys = items.map((item, i) => {
    const key = typeof item === "string" ? item : item?.name;
    if (typeof key !== "string")
      throw new Error(
        `Unexpected JSON input from "${file}": the item at index ${i} is ${JSON.stringify(item)}; expected a string or an object with a "name" key.`,
      );
    return key;
  });
  if (!options.force && process.stdin.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`Delete all ${keys.length} keys read from "${file}" from KV namespace ${namespace}? [y/N] `);
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) return console.log(`Not deleting keys read from "${file}".`);
  }
  await inBatches(keys, "deleted", (batch) => callAdmin("POST", namespacePath(namespace, options, "/bulk/delete"), batch));
  console.log("Success!");
}

/**
 * Sends `items` in requests within BULK's limits, with progress on a terminal (quiet otherwise).
 * @template T
 * @param {T[]} items @param {string} done @param {(batch: T[]) => Promise<unknown>} send
 */
async function inBatches(items, done, send) {
  const progress = progressOn(process.stderr);
  let sent = 0;
  try {
    while (sent < items.length) {
      let end = sent;
      for (let bytes = 0; end < items.length && end - sent < BULK.keys; end++) {
        bytes += Buffer.byteLength(JSON.stringify(items[end])) + 1;
        if (bytes > BULK.bytes && end > sent) break;
      }
      await send(items.slice(sent, end));
      sent = end;
      if (sent < items.length) progress.show(`${sent} of ${items.length} keys ${done}…`);
    }
  } finally {
    progress.clear();
  }
}

/** @param {string} file */
function readJsonFile(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${file}: ${/** @type {Error} */ (error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${/** @type {Error} */ (error).message}); fix it and run the command again`);
  }
}

/** @param {string} text @param {string} flag */
function jsonText(text, flag) {
  try {
    JSON.parse(text);
  } catch {
    throw new Error(`${flag} must be JSON, e.g. ${flag} '{"author":"me"}'`);
  }
  return text;
}
