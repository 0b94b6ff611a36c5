// Load generators for the benchmark: wrk when it is installed (a native process, so it takes
// less CPU away from workerd on a small machine), else autocannon inside this Node process.
import { spawn, spawnSync } from "node:child_process";
import { Agent, request } from "node:http";
import autocannon from "autocannon";

/**
 * @typedef {object} LoadResult
 * @property {number} rps        requests per second over the measured run
 * @property {number} p50        latency in ms
 * @property {number} p99        latency in ms
 * @property {number} requests   completed requests
 * @property {number} failures   non-2xx responses plus socket errors and timeouts
 */

/**
 * @typedef {object} LoadOptions
 * @property {number} port      on 127.0.0.1
 * @property {string} [host]    Host header (Outpost picks the worker by it)
 * @property {string} [path]
 * @property {Record<string, string>} [headers]  more request headers
 * @property {number} seconds
 * @property {number} connections
 */

/** @typedef {"wrk" | "autocannon"} Generator */

/**
 * BENCH_LOAD=wrk|autocannon forces one; otherwise wrk if it is on PATH.
 * @returns {Generator}
 */
export function pickGenerator() {
  const forced = process.env.BENCH_LOAD;
  if (forced === "wrk" || forced === "autocannon") return forced;
  if (forced) throw new Error(`BENCH_LOAD must be "wrk" or "autocannon", not ${JSON.stringify(forced)}`);
  return spawnSync("wrk", ["--version"], { stdio: "ignore" }).error ? "autocannon" : "wrk";
}

/**
 * Runs `connections` concurrent keep-alive connections against one URL for `seconds`.
 * @param {Generator} generator
 * @param {LoadOptions} options
 * @returns {Promise<LoadResult>}
 */
export function load(generator, options) {
  return generator === "wrk" ? wrk(options) : cannon(options);
}

/** @param {LoadOptions} options @returns {Promise<LoadResult>} */
async function wrk({ port, host, path = "/", headers = {}, seconds, connections }) {
  const headerArgs = Object.entries({ ...(host ? { Host: host } : {}), ...headers }).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", ...headerArgs, `http://127.0.0.1:${port}${path}`];
  const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
  // wrk stops by itself after `seconds`; this only covers the bench dying in between.
  const kill = () => child.kill();
  process.once("exit", kill);
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  const code = await new Promise((resolve, reject) => child.on("error", reject).on("close", resolve));
  process.off("exit", kill);
  if (code !== 0) throw new Error(`wrk exited with code ${code}:\n${out}`);

  const number = (/** @type {RegExp} */ pattern) => {
    const match = out.match(pattern);
    if (!match?.[1]) throw new Error(`could not find ${pattern} in wrk output:\n${out}`);
    return Number(match[1]);
  };
  const latency = (/** @type {string} */ percentile) => {
    const match = out.match(new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)\\b`, "m"));
    if (!match?.[1]) throw new Error(`could not find the ${percentile}% latency in wrk output:\n${out}`);
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[/** @type {"us" | "ms" | "s"} */ (match[2])];
  };
  const socketErrors = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = out.match(/Non-2xx or 3xx responses: (\d+)/);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: latency("50"),
    p99: latency("99"),
    requests: number(/(\d+) requests in/),
    failures: errors + Number(non2xx?.[1] ?? 0),
  };
}

/** @param {LoadOptions} options @returns {Promise<LoadResult>} */
async function cannon({ port, host, path = "/", headers = {}, seconds, connections }) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections,
    duration: seconds,
    headers: { ...(host ? { host } : {}), ...headers },
  });
  return {
    rps: result.requests.total / result.duration,
    // autocannon's histogram holds whole milliseconds.
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * Median latency of `count` back-to-back requests on one keep-alive connection, with
 * sub-millisecond resolution, for measuring the cost of one operation.
 * @param {{ port: number, host?: string, path?: string, count: number }} options
 * @returns {Promise<number>} p50 in ms
 */
export async function sequentialP50({ port, host, path = "/", count }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** @returns {Promise<void>} */
  const once = () =>
    new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, agent, headers: host ? { host } : {} }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${host ?? ""}${path} answered ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end();
    });
  try {
    return await medianMs(once, count);
  } finally {
    agent.destroy();
  }
}

/**
 * Runs `operation` count/5 times to warm up, then times `count` runs one after the other.
 * @param {() => Promise<unknown>} operation
 * @param {number} count
 * @returns {Promise<number>} the median duration in ms
 */
export async function medianMs(operation, count) {
  for (let i = 0; i < Math.ceil(count / 5); i++) await operation();
  /** @type {number[]} */
  const samples = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await operation();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? NaN;
}

/**
 * One request on a connection of its own (or of `agent`'s), given up after `timeoutMs`: status 0
 * when it got no answer (refused, reset, or timed out), and how long it took either way.
 * @param {{ port: number, host?: string, path?: string, headers?: Record<string, string>, timeoutMs: number, agent?: import("node:http").Agent | false }} options
 * @returns {Promise<{ status: number, text: string, ms: number }>}
 */
export function timedRequest({ port, host, path = "/", headers = {}, timeoutMs, agent = false }) {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    const unanswered = () => resolve({ status: 0, text: "", ms: elapsed() });
    const req = request({ host: "127.0.0.1", port, path, headers: { ...headers, ...(host ? { host } : {}) }, agent, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, ms: elapsed() }));
      res.on("error", unanswered);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", unanswered);
    req.end();
  });
}
