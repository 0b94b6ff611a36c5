// Starts a real Outpost host (the same `outpost start` a user runs) for tests and benchmarks,
// and talks to it over HTTP only.
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitForHttp } from "../../cli/net.js";
import { bundleWorker } from "../../cli/bundle.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/**
 * @typedef {object} Platform
 * @property {number} port
 * @property {number} adminPort
 * @property {string} adminUrl
 * @property {string} token
 * @property {string} dataDir
 * @property {(method: string, path: string, body?: unknown, token?: string | null) => Promise<{ status: number, body: any }>} admin
 * @property {(name: string, entry: string, options?: Record<string, unknown>) => Promise<any>} deploy
 * @property {(worker: string, path?: string, init?: { method?: string, body?: string, headers?: Record<string, string> }) => Promise<HttpResult>} fetchWorker
 * @property {() => string} logs  the platform's output as printed
 * @property {() => Record<string, any>[]} events  its lines parsed (JSON lines; `{ unparsed }` for any other)
 * @property {() => Promise<string>} databaseUrl  the platform's Postgres, for tests that inject faults
 * @property {(options?: { keepData?: boolean }) => Promise<void>} stop
 */

/** @typedef {{ status: number, headers: Record<string, string | string[] | undefined>, text: string }} HttpResult */

/**
 * @param {{ env?: Record<string, string>, dataDir?: string }} [options]
 * @returns {Promise<Platform>}
 */
export async function startPlatform(options = {}) {
  // The ports are picked free, then bound by `outpost start`: a platform starting beside this one
  // in another test file can take one in between. Then it starts again on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const lostPort = error instanceof Error && error.message.includes("EADDRINUSE");
      if (!lostPort || options.dataDir !== undefined || attempt === 3) throw error;
    }
  }
}

/**
 * @param {{ env?: Record<string, string>, dataDir?: string }} options
 * @returns {Promise<Platform>}
 */
async function startOnce(options) {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "outpost-test-")));
  const port = await freePort();
  const adminPort = await freePort();
  const token = `test-token-${Math.random().toString(36).slice(2)}`;
  const child = spawn(process.execPath, [CLI, "start", "--port", String(port), "--admin-port", String(adminPort), "--data-dir", dataDir], {
    env: { ...process.env, OUTPOST_ADMIN_TOKEN: token, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  try {
    await waitForHttp(`${adminUrl}/healthz`, 60_000, () => child.exitCode !== null);
    await waitUntil(() => output.includes("Outpost ready"), 10_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`outpost start failed:\n${output}`, { cause: error });
  }

  /** @type {Platform["admin"]} */
  const admin = async (method, path, body, auth = token) => {
    const response = await fetch(adminUrl + path, {
      method,
      headers: { ...(auth === null ? {} : { authorization: `Bearer ${auth}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  };

  return {
    port,
    adminPort,
    adminUrl,
    token,
    dataDir,
    admin,
    async deploy(name, entry, extra = {}) {
      const bundle = await bundleWorker(entry);
      const result = await admin("PUT", `/v1/workers/${name}`, { ...bundle, ...extra });
      if (result.status >= 300) throw new Error(`deploy of ${name} failed: ${JSON.stringify(result.body)}`);
      return result.body;
    },
    fetchWorker: (worker, path = "/", init = {}) => withPlatformContext(httpRequest(port, `${worker}.localhost`, path, init), () => output),
    logs: () => output,
    events: () => parseLines(output),
    async databaseUrl() {
      const { password } = JSON.parse(await readFile(join(dataDir, "postgres.json"), "utf8"));
      const config = await readFile(join(dataDir, "workerd", "config.capnp"), "utf8");
      const address = config.match(/external = \(address = "([^"]+)"/)?.[1];
      return `postgres://outpost:${encodeURIComponent(password)}@${address}/outpost`;
    },
    async stop({ keepData = false } = {}) {
      // Not when it was killed by a signal (a test killing the whole host): it exited already.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** @param {string} output @returns {Record<string, any>[]} */
function parseLines(output) {
  return output
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return { unparsed: line };
      }
    });
}

/**
 * Writes a worker source into a temporary file and returns its path.
 * @param {string} source
 * @param {string} [name]
 */
export async function workerFile(source, name = "worker.js") {
  const dir = await mkdtemp(join(tmpdir(), "outpost-worker-"));
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
}

/**
 * The deploy body of a worker answering every request with `tag`, so a response shows which
 * worker (or version) served it.
 * @param {string} tag
 */
export async function taggedWorker(tag) {
  return bundleWorker(await workerFile(`export default { fetch() { return new Response(${JSON.stringify(tag)}); } };`));
}

/**
 * An HTTP request with an explicit Host header (fetch() in Node cannot set one).
 * @param {number} port
 * @param {string} host
 * @param {string} path
 * @param {{ method?: string, body?: string, headers?: Record<string, string> }} init
 * @returns {Promise<HttpResult>}
 */
export function httpRequest(port, host, path, init = {}) {
  return new Promise((resolve, reject) => {
    // A connection per request: a pooled keep-alive socket that the server closes just as it is
    // reused fails with "socket hang up" (seen under full-suite load), which is not what a test asks.
    const options = { host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: { ...init.headers, host }, agent: false };
    const req = request(options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/**
 * `request`, or its network error (a reset, a refused connection) with what the platform printed
 * about its processes meanwhile: a process killed, restarted or replaced is what resets connections,
 * and the failing test's message should say so.
 * @template T
 * @param {Promise<T>} request
 * @param {() => string} output
 * @returns {Promise<T>}
 */
async function withPlatformContext(request, output) {
  try {
    return await request;
  } catch (error) {
    const lines = output()
      .split("\n")
      .filter((line) => /workerd process|probation process/.test(line))
      .slice(-20);
    throw new Error(`${error instanceof Error ? error.message : String(error)}; the platform's process lines:\n${lines.join("\n")}`, { cause: error });
  }
}

/**
 * Polls `condition` until it holds (bounded), for things that happen asynchronously.
 * @param {() => boolean | Promise<boolean>} condition
 * @param {number} timeoutMs
 */
export async function waitUntil(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
