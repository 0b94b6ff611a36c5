// Control-plane timings (issue targets: rollback visible on the same host in ≤ 20 ms p50, on
// another host in ≤ 1 s; cold load of a 100 KB worker ≤ 10 ms p50 over warm). Measured from
// the admin call's start to the first response the public socket gives from the new version.
import { bundleWorker } from "../cli/bundle.js";
import { taggedWorker, workerFile } from "../test/helpers/platform.js";

const ROUNDS = 30;
/** Sequential warm requests per version in the cold/warm comparison. */
const WARM_REQUESTS = 20;

/**
 * @typedef {import("../test/helpers/platform.js").Platform} Platform
 * @typedef {{ p50: number, p99: number, count: number }} Timing
 */

/**
 * @param {Platform} first
 * @param {Platform} second a host on the same database
 */
export async function measureControlPlane(first, second) {
  const bodies = await Promise.all(Array.from({ length: ROUNDS + 1 }, (_, i) => taggedWorker(`v${i}`)));
  await first.admin("PUT", "/v1/workers/cp-bench", bodies[0]);

  /** @type {number[]} */
  const deploys = [];
  for (let i = 1; i <= ROUNDS; i++) {
    deploys.push(await timeUntil(() => first.admin("PUT", "/v1/workers/cp-bench", bodies[i]), first, `v${i}`));
  }

  const { versions } = (await first.admin("GET", "/v1/workers/cp-bench/versions")).body;
  const [older, newer] = [versions.at(-2).id, versions.at(-1).id];
  const tagOf = { [older]: `v${ROUNDS - 1}`, [newer]: `v${ROUNDS}` };
  /** @type {number[]} */
  const sameHost = [];
  /** @type {number[]} */
  const otherHost = [];
  for (let i = 0; i < ROUNDS; i++) {
    const target = i % 2 === 0 ? older : newer;
    const host = i % 4 < 2 ? first : second;
    const observer = i % 4 < 2 ? second : first;
    let sameDone = false;
    const start = performance.now();
    const call = host.admin("POST", "/v1/workers/cp-bench/rollback", { version: target });
    const [same, other] = await Promise.all([
      timeUntil(() => call, host, tagOf[target] ?? "", start).finally(() => (sameDone = true)),
      pollUntil(observer, tagOf[target] ?? "", start, () => sameDone),
    ]);
    sameHost.push(same);
    otherHost.push(other);
  }

  const big = await hundredKilobyteWorkers(ROUNDS);
  /** @type {number[]} */
  const cold = [];
  /** @type {number[]} */
  const warm = [];
  for (const body of big) {
    await first.admin("PUT", "/v1/workers/cp-big", body);
    cold.push(await timed(() => first.fetchWorker("cp-big")));
    for (let i = 0; i < WARM_REQUESTS; i++) warm.push(await timed(() => first.fetchWorker("cp-big")));
  }

  return {
    deployToFirstResponse: summary(deploys),
    rollbackSameHost: summary(sameHost),
    rollbackOtherHost: summary(otherHost),
    coldLoad100KB: summary(cold),
    warm100KB: summary(warm),
    workerBytes: big[0]?.modules[0]?.content.length ?? 0,
  };
}

/** Distinct workers of about 100 KB of code each (a real parse and compile per version). @param {number} count */
async function hundredKilobyteWorkers(count) {
  const functions = Array.from({ length: 1450 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i % 7}; }`).join("\n");
  return Promise.all(
    Array.from({ length: count }, async (_, n) =>
      bundleWorker(
        await workerFile(`${functions}
const table = [${Array.from({ length: 1450 }, (_, i) => `f${i}`).join(", ")}];
export default { fetch() { return new Response(String(table[${n} % table.length](${n}))); } };`),
      ),
    ),
  );
}

/**
 * ms from `start` (default: now) until `host` serves `tag`, with `action` started at `start`.
 * @param {() => Promise<unknown>} action
 * @param {Platform} host
 * @param {string} tag
 * @param {number} [start]
 */
async function timeUntil(action, host, tag, start = performance.now()) {
  await action();
  return pollUntil(host, tag, start, () => true);
}

/**
 * @param {Platform} host
 * @param {string} tag
 * @param {number} start
 * @param {() => boolean} canFinish
 */
async function pollUntil(host, tag, start, canFinish) {
  for (;;) {
    const response = await host.fetchWorker("cp-bench");
    if (response.text === tag) return performance.now() - start;
    if (performance.now() - start > 10_000 && canFinish()) throw new Error(`cp-bench never served ${tag}`);
  }
}

/** @param {() => Promise<unknown>} operation */
async function timed(operation) {
  const start = performance.now();
  await operation();
  return performance.now() - start;
}

/** @param {number[]} values @returns {Timing} */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), count: values.length };
}
