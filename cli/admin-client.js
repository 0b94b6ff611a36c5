// The CLI's way to the admin API: URL and token from the environment or the data directory.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export function adminEndpoint() {
  const url = process.env.OUTPOST_ADMIN_URL ?? `http://127.0.0.1:${process.env.ADMIN_PORT ?? 8788}`;
  let token = process.env.OUTPOST_ADMIN_TOKEN;
  const tokenFile = join(resolve(process.env.OUTPOST_DATA_DIR ?? ".outpost"), "admin-token");
  if (!token && existsSync(tokenFile)) token = readFileSync(tokenFile, "utf8").trim();
  if (!token) throw new Error(`no admin token: set OUTPOST_ADMIN_TOKEN (it is printed by \`outpost start\`) or run from the directory holding ${tokenFile}`);
  return { url, token };
}

/**
 * Calls the admin API; throws the API's own error message on failure.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>} the JSON the endpoint documents
 */
export async function callAdmin(method, path, body) {
  const { url, token } = adminEndpoint();
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new Error(`cannot reach the admin API at ${url} (is \`outpost start\` running?): ${/** @type {Error} */ (error).cause ?? error}`);
  }
  /** @type {any} */
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(`${payload?.error?.code ?? `HTTP ${response.status}`}: ${payload?.error?.message ?? response.statusText}`);
  }
  return payload;
}
