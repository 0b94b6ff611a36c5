// `outpost deploy <entry> --name N [--kv BINDING[=namespace]]… [--var KEY=VALUE]…`
import { bundleWorker } from "./bundle.js";
import { callAdmin } from "./admin-client.js";

/**
 * @typedef {object} DeployOptions
 * @property {string} entry
 * @property {string} name
 * @property {string[]} kv            BINDING or BINDING=namespace (namespace defaults to the binding name)
 * @property {string[]} vars          KEY=VALUE
 * @property {string} [tenant]
 * @property {string} [compatibilityDate]
 * @property {string[]} compatibilityFlags
 */

/** @param {DeployOptions} options */
export async function deploy(options) {
  const { mainModule, modules } = await bundleWorker(options.entry);
  const body = {
    mainModule,
    modules,
    compatibilityFlags: options.compatibilityFlags,
    vars: Object.fromEntries(options.vars.map((pair) => splitPair(pair, "--var", true))),
    kv: Object.fromEntries(options.kv.map((pair) => splitPair(pair, "--kv", false))),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.compatibilityDate ? { compatibilityDate: options.compatibilityDate } : {}),
  };
  const result = await callAdmin("PUT", `/v1/workers/${encodeURIComponent(options.name)}`, body);
  const port = process.env.PORT ?? 8787;
  console.log(
    `${result.changed ? "Deployed" : "Unchanged"} ${result.worker} (version ${result.version.slice(0, 12)}) → http://${result.worker}.localhost:${port}/`,
  );
  return result;
}

/**
 * @param {string} pair
 * @param {string} flag
 * @param {boolean} valueRequired
 * @returns {[string, string]}
 */
function splitPair(pair, flag, valueRequired) {
  const at = pair.indexOf("=");
  if (at === -1) {
    if (valueRequired) throw new Error(`${flag} expects KEY=VALUE, got ${JSON.stringify(pair)}`);
    return [pair, pair];
  }
  return [pair.slice(0, at), pair.slice(at + 1)];
}
