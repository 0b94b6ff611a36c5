// `outpost start --demo` (what `npm start` runs): deploys worker/index.ts as the worker "demo",
// with the bindings the root wrangler.toml gives it. Content-addressed, so restarts change nothing.
import { fileURLToPath } from "node:url";
import { bundleWorker } from "./bundle.js";

const DEMO_ENTRY = fileURLToPath(new URL("../worker/index.ts", import.meta.url));

/**
 * @param {string} adminUrl
 * @param {string} token
 */
export async function deployDemo(adminUrl, token) {
  const { mainModule, modules } = await bundleWorker(DEMO_ENTRY);
  const body = {
    mainModule,
    modules,
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
    vars: { GREETING: "Hello from Outpost" },
    kv: { KV: "demo" },
  };
  const response = await fetch(`${adminUrl}/v1/workers/demo`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`deploying the demo worker failed: ${await response.text()}`);
}
