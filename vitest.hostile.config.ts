import { defineConfig } from "vitest/config";

// Hostile-tenant tier: every attack a tenant could try on another tenant or on the platform
// (hosts, data, logs, secrets, egress, admin API), each kept as a test that fails if the hole
// reopens. Real platform, real workerd and Postgres, traffic to loopback only.
export default defineConfig({
  test: {
    include: ["test/hostile/**/*.test.js"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
