// Unit tier: pure runner and shim code, run inside workerd (the runtime tenant isolates and the
// runner use) through @cloudflare/vitest-pool-workers. No Postgres, no platform process.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-01",
        compatibilityFlags: ["nodejs_compat"],
      },
    }),
  ],
  test: {
    include: ["test/unit/**/*.test.ts"],
    // The code under test keeps no state between files, so one runtime serves them all
    // (a fresh one per file triples the run time).
    isolate: false,
  },
});
