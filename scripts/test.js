// `npm test`: every tier, stopping at the first that fails.
//   0. format    — prettier's check: `npx prettier --write .` fixes what it names
//   1. typecheck — runtime code against workers-types, host code against @types/node
//   2. unit      — inside workerd (vitest-pool-workers): validators, shims, policies
//   3. CLI         — wrangler.toml reading and bundling, and a project deployed by the real CLI
//   4. integration — the real platform (workerd + Postgres) started as a user starts it,
//                    including the KV suite run on Miniflare (reference) and on Outpost
//   5. hostile     — a hostile tenant's attacks on other tenants and on the platform
//   6. browser     — the dashboard in headless Chromium (installed by scripts/ensure-chromium.js)
//   7. fuzz        — property-based cases (fast-check) over every admin route and binding method;
//                    prints `fuzz seed: N`, replayed with FUZZ_SEED=N
// Extra arguments go to vitest, e.g. `npm test -- -t "list:"`.
import { spawnSync } from "node:child_process";

const extra = process.argv.slice(2);
/** @type {[string, string, string[]][]} */
const steps = [
  ["format (prettier --check)", "prettier", ["--check", "--log-level", "warn", "."]],
  ["typecheck (runtime)", "tsc", ["-p", "tsconfig.json", "--noEmit"]],
  ["typecheck (host)", "tsc", ["-p", "cli/tsconfig.json", "--noEmit"]],
  ["unit tests (workerd)", "vitest", ["run", "--config", "vitest.unit.config.ts", ...extra]],
  ["CLI tests", "vitest", ["run", "--config", "vitest.cli.config.ts", ...extra]],
  ["integration tests", "vitest", ["run", "--config", "vitest.integration.config.ts", ...extra]],
  ["hostile-tenant tests", "vitest", ["run", "--config", "vitest.hostile.config.ts", ...extra]],
  ["Chromium for the browser tier", "node", ["scripts/ensure-chromium.js"]],
  ["browser tests (Chromium)", "vitest", ["run", "--config", "vitest.browser.config.ts", ...extra]],
  ["fuzz tests", "vitest", ["run", "--config", "vitest.fuzz.config.ts", ...extra]],
];

for (const [name, command, args] of steps) {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const { status } = spawnSync(command === "node" ? process.execPath : `node_modules/.bin/${command}`, args, { stdio: "inherit" });
  if (status !== 0) {
    console.error(`✖ ${name} failed`);
    process.exit(status ?? 1);
  }
  console.log(`✔ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
