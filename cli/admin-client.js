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
  const response = await adminFetch(method, path, body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return response.json().catch(() => ({}));
}

/**
 * Calls the admin API with any body (bytes, a stream); returns the response when it is OK, else
 * throws the API's own error message.
 * @param {string} method
 * @param {string} path
 * @param {{ headers?: Record<string, string>, body?: string | Uint8Array | ReadableStream }} [init]
 * @returns {Promise<Response>}
 */
export async function adminFetch(method, path, { headers = {}, body } = {}) {
  const { url, token } = adminEndpoint();
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body === undefined ? {} : { body }),
      // A stream body (a file being uploaded) is sent as it is read.
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    });
  } catch (error) {
    throw new Error(`cannot reach the admin API at ${url} (is \`outpost start\` running?): ${/** @type {Error} */ (error).cause ?? error}`);
  }
  if (!response.ok) {
    /** @type {any} */
    const payload = await response.json().catch(() => ({}));
    throw new Error(`${payload?.error?.code ?? `HTTP ${response.status}`}: ${payload?.error?.message ?? response.statusText}`);
  }
  return response;
}
