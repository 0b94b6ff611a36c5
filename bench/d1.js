// D1 (issue targets: a point select by primary key and an insert through the binding ≥ 1.2 ×
// Miniflare's D1 req/s; p50 added over hello world ≤ 0.5 ms): the same worker on Outpost (one
// workerd process, as Miniflare is: with several, a call at a process that does not own the
// database is forwarded to the one that does, measured in section (r), bench/owners.js) and on Miniflare's D1,
// both with their SQLite files on disk. It measures and prints; it never judges.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpRequest, startPlatform } from "../test/helpers/platform.js";
import { load, sequentialP50 } from "./load.js";
import { startMiniflare } from "./targets.js";

const CONNECTIONS = 32;
const WARMUP_SECONDS = 1;
const ROWS = 1000;
const COMPATIBILITY_DATE = "2026-04-01";

const HELLO = `export default { fetch() { return new Response("hello") } }`;
// /seed makes ROWS rows; / reads one by primary key; /insert adds one.
const WORKER = `export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/seed") {
      await env.DB.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
      const insert = env.DB.prepare("INSERT OR REPLACE INTO items (id, name) VALUES (?, ?)");
      await env.DB.batch(Array.from({ length: ${ROWS} }, (_, i) => insert.bind(i + 1, "item " + (i + 1))));
      return new Response("seeded");
    }
    if (path === "/insert") {
      await env.DB.prepare("INSERT INTO items (name) VALUES (?)").bind("new").run();
      return new Response("ok");
    }
    const id = 1 + Math.floor(Math.random() * ${ROWS});
    return new Response(await env.DB.prepare("SELECT name FROM items WHERE id = ?").bind(id).first("name"));
  },
};`;

/**
 * @typedef {import("./load.js").LoadResult} LoadResult
 * @typedef {{ select: LoadResult, insert: LoadResult, selectP50: number, helloP50: number }} D1Side
 * @typedef {{ outpost: D1Side, miniflare: D1Side, sequentialCount: number }} D1Result
 */

/**
 * @param {import("./load.js").Generator} generator
 * @param {{ seconds: number, sequentialCount: number }} options
 * @param {<T extends { stop: () => Promise<void> }>(target: T) => T} track
 * @param {(target: { stop: () => Promise<void> }) => Promise<void>} release
 * @returns {Promise<D1Result>}
 */
export async function measureD1(generator, { seconds, sequentialCount }, track, release) {
  const sources = await mkdtemp(join(tmpdir(), "outpost-bench-d1-"));
  try {
    const platform = track(await startPlatform({ env: { OUTPOST_PROCESSES: "1" } }));
    /** @type {[string, string][]} */
    const workers = [
      ["hello", HELLO],
      ["d1", WORKER],
    ];
    for (const [name, source] of workers) {
      await writeFile(join(sources, `${name}.js`), source);
      await platform.deploy(`bench-${name}`, join(sources, `${name}.js`), { compatibilityDate: COMPATIBILITY_DATE, d1: { DB: { databaseName: "bench" } } });
    }
    const outpost = await measureSide(
      generator,
      seconds,
      sequentialCount,
      { port: platform.port, host: "bench-d1.localhost" },
      { port: platform.port, host: "bench-hello.localhost" },
    );
    await release(platform);

    const miniflare = track(await startD1Miniflare(join(sources, "miniflare")));
    const theirs = await measureSide(generator, seconds, sequentialCount, { port: miniflare.port, path: "" }, { port: miniflare.port, path: "/hello" });
    await release(miniflare);
    return { outpost, miniflare: theirs, sequentialCount };
  } finally {
    await rm(sources, { recursive: true, force: true });
  }
}

/**
 * @param {import("./load.js").Generator} generator
 * @param {number} seconds
 * @param {number} count
 * @param {{ port: number, host?: string, path?: string }} d1  the D1 worker (its paths under `path`)
 * @param {{ port: number, host?: string, path?: string }} hello
 * @returns {Promise<D1Side>}
 */
async function measureSide(generator, seconds, count, d1, hello) {
  const at = (/** @type {string} */ path) => ({ port: d1.port, ...(d1.host ? { host: d1.host } : {}), path: `${d1.path ?? ""}${path}` });
  const seeded = await httpRequest(d1.port, d1.host ?? "127.0.0.1", at("/seed").path);
  if (seeded.text !== "seeded") throw new Error(`seeding answered ${seeded.status} ${seeded.text.slice(0, 300)}`);
  const run = async (/** @type {string} */ path) => {
    await load(generator, { ...at(path), seconds: WARMUP_SECONDS, connections: CONNECTIONS });
    return load(generator, { ...at(path), seconds, connections: CONNECTIONS });
  };
  const select = await run("/");
  const insert = await run("/insert");
  const helloP50 = await sequentialP50({ port: hello.port, ...(hello.host ? { host: hello.host } : {}), path: hello.path ?? "/", count });
  const selectP50 = await sequentialP50({ ...at("/"), count });
  return { select, insert, selectP50, helloP50 };
}

/** Miniflare with the D1 worker at / and hello world at /hello (one worker: Miniflare has no host routing here). @param {string} persist */
function startD1Miniflare(persist) {
  const script = WORKER.replace(
    "const path = new URL(request.url).pathname;",
    'const path = new URL(request.url).pathname;\n    if (path === "/hello") return new Response("hello");',
  );
  return startMiniflare(script, COMPATIBILITY_DATE, { d1Databases: ["DB"], d1Persist: persist });
}

/**
 * @param {D1Result} result
 * @param {(ms: number) => string} fmtMs
 */
export function printD1({ outpost, miniflare }, fmtMs) {
  const rps = (/** @type {LoadResult} */ r) =>
    `${Math.round(r.rps).toLocaleString("en")} req/s (p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}${r.failures ? `, ${r.failures} failed` : ""})`;
  console.log(
    `  point select  Outpost ${rps(outpost.select)}   Miniflare ${rps(miniflare.select)}   ${(outpost.select.rps / miniflare.select.rps).toFixed(2)} × (target ≥ 1.2 ×)`,
  );
  console.log(
    `  insert        Outpost ${rps(outpost.insert)}   Miniflare ${rps(miniflare.insert)}   ${(outpost.insert.rps / miniflare.insert.rps).toFixed(2)} × (target ≥ 1.2 ×)`,
  );
  for (const [name, side] of /** @type {const} */ ([
    ["Outpost", outpost],
    ["Miniflare", miniflare],
  ])) {
    console.log(
      `  ${name.padEnd(9)} select ${fmtMs(side.selectP50)} − hello ${fmtMs(side.helloP50)} = ${fmtMs(side.selectP50 - side.helloP50)} added per point select (target ≤ 0.5 ms)`,
    );
  }
}
