import { defineConfig } from "vitest/config";

// Integration tier: real workerd + real Postgres, started the way a user starts them.
export default defineConfig({
  test: {
    include: ["test/integration/**/*.test.js"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
