import { expect, it } from "vitest";
import { z } from "zod/v4";
import { BINDING_FIELDS, bindingManifest, bindingNames, declaredNames, storedBindings } from "../../runner/bindings/registry.ts";

const Fields = z.object(BINDING_FIELDS);

// Every kind used, given in another order than the registry's.
const EVERY_KIND = Fields.parse({
  assets: { files: {}, binding: "ASSETS" },
  crons: ["0 * * * *", "*/5 * * * *", "0 * * * *"],
  queues: { producers: { JOBS: { queue: "jobs", deliveryDelay: 5 } }, consumers: [{ queue: "zeta" }, { queue: "alpha", maxRetries: 2 }] },
  secretsStore: { API_KEY: { secret: "api-key" } },
  vaults: ["VAULT"],
  r2: { BUCKET: "photos" },
  services: { AUTH: { service: "auth", entrypoint: "Verifier" } },
  kv: { CACHE: "cache" },
  vars: { GREETING: "hello" },
});

it("storedBindings: the JSON hashed into the version id keeps the key order versions were deployed with", () => {
  expect(JSON.stringify(storedBindings(EVERY_KIND))).toBe(
    JSON.stringify({
      vars: { GREETING: "hello" },
      kv: { CACHE: "cache" },
      services: { AUTH: { service: "auth", entrypoint: "Verifier" } },
      r2: { BUCKET: "photos" },
      vaults: ["VAULT"],
      secretsStore: { API_KEY: { secret: "api-key" } },
      queueProducers: { JOBS: { queue: "jobs", deliveryDelay: 5 } },
      queueConsumers: [{ queue: "alpha", maxRetries: 2 }, { queue: "zeta" }],
      crons: ["*/5 * * * *", "0 * * * *"],
      assets: "ASSETS",
    }),
  );
});

it("storedBindings: unused kinds are absent, vars and kv present even when empty", () => {
  expect(JSON.stringify(storedBindings(Fields.parse({})))).toBe('{"vars":{},"kv":{}}');
  expect(JSON.stringify(storedBindings(Fields.parse({ assets: { files: {} }, queues: {} })))).toBe('{"vars":{},"kv":{}}');
});

it("bindingNames and bindingManifest: every env name, and the shim each stub needs", () => {
  const stored = storedBindings(EVERY_KIND);
  expect(bindingNames(stored).sort()).toEqual(["API_KEY", "ASSETS", "AUTH", "BUCKET", "CACHE", "GREETING", "JOBS", "VAULT"]);
  expect(bindingManifest(stored)).toEqual({ CACHE: "kv", AUTH: "service", BUCKET: "r2", VAULT: "vault", API_KEY: "secretsStore", JOBS: "queue" });
});

it("declaredNames: each name with what the duplicate-name message calls it", () => {
  expect(declaredNames(EVERY_KIND)).toEqual([
    ["GREETING", "var"],
    ["CACHE", "KV namespace"],
    ["AUTH", "service"],
    ["BUCKET", "R2 bucket"],
    ["VAULT", "vault"],
    ["API_KEY", "secrets store secret"],
    ["JOBS", "queue"],
    ["ASSETS", "assets"],
  ]);
});
