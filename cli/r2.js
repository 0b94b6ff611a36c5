// `outpost r2 bucket list|create|delete` and `r2 object get|put|delete BUCKET/KEY`: wrangler's R2
// verbs, each a call to the admin API's R2 routes (docs/admin-api.md). Object bytes stream.
import { createReadStream, createWriteStream, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { adminFetch, callAdmin } from "./admin-client.js";

/**
 * @typedef {object} R2Options
 * @property {string} [tenant]
 * @property {string} [file]
 * @property {boolean} [pipe]
 * @property {string} [contentType]
 * @property {string} [contentDisposition]
 * @property {string} [contentEncoding]
 * @property {string} [contentLanguage]
 * @property {string} [cacheControl]
 */

/**
 * `outpost r2 …` with wrangler's flag names.
 * @param {string[]} args
 */
export async function r2Command(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tenant: { type: "string" },
      file: { type: "string", short: "f" },
      pipe: { type: "boolean", short: "p" },
      "content-type": { type: "string" },
      ct: { type: "string" },
      "content-disposition": { type: "string" },
      "content-encoding": { type: "string" },
      "content-language": { type: "string" },
      "cache-control": { type: "string" },
    },
  });
  const optional = (/** @type {string} */ key, /** @type {string | undefined} */ value) => (value === undefined ? {} : { [key]: value });
  await r2(positionals, {
    pipe: values.pipe ?? false,
    ...optional("tenant", values.tenant),
    ...optional("file", values.file),
    ...optional("contentType", values["content-type"] ?? values.ct),
    ...optional("contentDisposition", values["content-disposition"]),
    ...optional("contentEncoding", values["content-encoding"]),
    ...optional("contentLanguage", values["content-language"]),
    ...optional("cacheControl", values["cache-control"]),
  });
}

/**
 * @param {string[]} args
 * @param {R2Options} options
 */
export async function r2([group, action, target], options) {
  const verb = `${group} ${action}`;
  if (verb === "bucket list") return listBuckets(options);
  if (verb === "bucket create" && target) return createBucket(target, options);
  if (verb === "bucket delete" && target) return deleteBucket(target, options);
  if (verb === "object get" && target) return getObject(objectPath(target), options);
  if (verb === "object put" && target) return putObject(objectPath(target), options);
  if (verb === "object delete" && target) return deleteObject(objectPath(target), options);
  throw new Error("usage: outpost r2 bucket list|create NAME|delete NAME | r2 object get|put|delete BUCKET/KEY [--file FILE | --pipe]");
}

/** @param {R2Options} options */
const tenantQuery = ({ tenant }) => (tenant ? `?tenant=${encodeURIComponent(tenant)}` : "");

/** "bucket/key/with/slashes", as wrangler takes it. @param {string} path */
function objectPath(path) {
  const slash = path.indexOf("/");
  if (slash < 1 || slash === path.length - 1) throw new Error(`The object path must be in the form of {bucket}/{key}, got ${path}`);
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

/** @param {{ bucket: string, key: string }} object @param {R2Options} options */
const objectUrl = ({ bucket, key }, options) => `/v1/r2/buckets/${encodeURIComponent(bucket)}/objects/${encodeURIComponent(key)}${tenantQuery(options)}`;

/** @param {R2Options} options */
async function listBuckets(options) {
  const { buckets } = await callAdmin("GET", `/v1/r2/buckets${tenantQuery(options)}`);
  if (buckets.length === 0) return console.log("no buckets");
  console.log(buckets.map((/** @type {any} */ b) => `name:           ${b.name}\ntenant:         ${b.tenant}\ncreation_date:  ${b.created_at}`).join("\n\n"));
}

/** @param {string} name @param {R2Options} options */
async function createBucket(name, options) {
  await callAdmin("POST", `/v1/r2/buckets${tenantQuery(options)}`, { name });
  console.log(
    `Created bucket '${name}'. To use it from a worker, add to wrangler.toml:\n\n[[r2_buckets]]\nbinding = "${name.replace(/-/g, "_")}"\nbucket_name = "${name}"`,
  );
}

/** @param {string} name @param {R2Options} options */
async function deleteBucket(name, options) {
  await callAdmin("DELETE", `/v1/r2/buckets/${encodeURIComponent(name)}${tenantQuery(options)}`);
  console.log(`Deleted bucket ${name}.`);
}

/**
 * To --file, to stdout with --pipe, else (as wrangler) to a file named like the key.
 * @param {{ bucket: string, key: string }} object @param {R2Options} options
 */
async function getObject(object, options) {
  const response = await adminFetch("GET", objectUrl(object, options));
  if (!response.body) throw new Error("the admin API sent no body");
  if (options.pipe) return pipeline(Readable.fromWeb(/** @type {any} */ (response.body)), process.stdout);
  const file = options.file ?? object.key;
  console.log(`Downloading "${object.key}" from "${object.bucket}".`);
  mkdirSync(dirname(file), { recursive: true });
  await response.body.pipeTo(Writable.toWeb(createWriteStream(file)));
  console.log("Download complete.");
}

/** From --file, or stdin with --pipe. @param {{ bucket: string, key: string }} object @param {R2Options} options */
async function putObject(object, options) {
  if (!options.file === !options.pipe) throw new Error("give --file FILE to upload, or --pipe to read the object from stdin (one of them)");
  /** @type {Record<string, string>} */
  const headers = {};
  for (const [option, header] of /** @type {const} */ ([
    ["contentType", "content-type"],
    ["contentDisposition", "content-disposition"],
    ["contentEncoding", "content-encoding"],
    ["contentLanguage", "content-language"],
    ["cacheControl", "cache-control"],
  ])) {
    const value = options[option];
    if (value !== undefined) headers[header] = value;
  }
  const input = options.file ? createReadStream(options.file) : process.stdin;
  if (options.file) headers["content-length"] = String(statSync(options.file).size);
  if (!options.pipe) console.log(`Creating object "${object.key}" in bucket "${object.bucket}".`);
  await adminFetch("PUT", objectUrl(object, options), { headers, body: /** @type {ReadableStream} */ (Readable.toWeb(input)) });
  if (!options.pipe) console.log("Upload complete.");
}

/** @param {{ bucket: string, key: string }} object @param {R2Options} options */
async function deleteObject(object, options) {
  await callAdmin("DELETE", objectUrl(object, options));
  console.log(`Deleting object "${object.key}" from bucket "${object.bucket}".`);
}
