import { defineConfig } from "vitest/config";

// Browser tier: the dashboard in headless Chromium (Debian's package, driven by playwright-core)
// against a real platform. scripts/ensure-chromium.js installs Chromium first.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.js"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
