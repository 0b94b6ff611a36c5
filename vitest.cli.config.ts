import { defineConfig } from "vitest/config";

// CLI tier: the Node side of `outpost` (config reading, bundling, deploy bodies) as pure
// functions, plus one end-to-end deploy of a project through the real CLI and platform.
export default defineConfig({
  test: {
    include: ["test/cli/**/*.test.js"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
