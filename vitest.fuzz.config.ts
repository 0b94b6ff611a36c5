import { defineConfig } from "vitest/config";

// Fuzz tier: property-based (fast-check) cases over every admin route and every binding method,
// on the real platform. Bounded: a fixed number of cases under two fixed seeds and one random
// seed per run, printed as `fuzz seed: N`; FUZZ_SEED=N replays one.
export default defineConfig({
  test: {
    include: ["test/fuzz/**/*.test.js"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
